// Huge listings must not take the server down: a listing streams from the
// folder in bounded batches, waits for a client that is not reading instead of
// queueing its ITEMs, and walks of the share are bounded across requests and
// connections (a few at once, a bounded queue, a coded refusal past it, and a
// walk whose client stops reading ended after sendStallMs). One folder of
// 50,000 empty files serves every test.

import { closeSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, type Frame } from '../../src/protocol/frame.js';
import { Kind } from '../../src/protocol/messages.js';
import type { ServerLimits } from '../../src/server/server.js';
import { codeOf, startTestServer, waitFor, type TestServer } from '../helpers/server.js';

const BIG = 50_000;
let root: string;
let t: TestServer | undefined;
interface RawSocket {
  socket: Socket;
  frames: Frame[];
  readonly closed: boolean;
  list(id: number, header?: object): void;
}
const sockets: RawSocket[] = [];

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heldMemory = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
};

beforeAll(() => {
  root = join(tmpdir(), `ferry-biglist-${process.pid}-${Date.now()}`);
  mkdirSync(join(root, 'big'), { recursive: true });
  mkdirSync(join(root, 'small'));
  closeSync(openSync(join(root, 'small', 'a.txt'), 'w'));
  // Empty files, created synchronously: the fastest way to a big folder.
  for (let i = 0; i < BIG; i++) closeSync(openSync(join(root, 'big', `file-${String(i).padStart(6, '0')}.txt`), 'w'));
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.socket.destroy();
  await t?.close();
  t = undefined;
});

async function serve(limits: Partial<ServerLimits> = {}): Promise<TestServer> {
  t = await startTestServer({}, { root, limits });
  return t;
}

/** A hand-driven connection: says HELLO, then sends what the test asks and reads only if told to. */
function rawSocket(port: number, read: boolean): RawSocket {
  const socket = connect({ host: '127.0.0.1', port });
  const frames: Frame[] = [];
  const decoder = new FrameDecoder();
  socket.on('data', (c) => frames.push(...decoder.push(c)));
  socket.on('error', () => {});
  let isClosed = false;
  socket.on('close', () => (isClosed = true));
  if (!read) socket.pause();
  socket.write(encodeFrame(Kind.Hello, 0, { versions: [1], client: 'raw' }));
  const handle = {
    socket,
    frames,
    get closed() {
      return isClosed;
    },
    list(id: number, header: object = { path: 'big' }) {
      socket.write(encodeFrame(Kind.Request, id, { op: 'list', ...header }));
    },
  };
  sockets.push(handle);
  return handle;
}

async function logLines(): Promise<{ command: string; outcome: string; message?: string }[]> {
  const text = await readFile(t!.server.logFile, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

const walks = () => t!.server.walks.active;
const waitingForClients = () => t!.server.counters.sendsWaiting;

describe('huge listings', () => {
  it('stream to the client batch by batch, and a cancelled listing stops its walk on the server', async () => {
    await serve();
    const client = await t!.connect({ noCache: true });
    // All of it, batch by batch, none larger than the protocol allows.
    let batches = 0;
    let largest = 0;
    const count = await client.listStream({ path: 'big' }, { onBatch: (b) => ((batches += 1), (largest = Math.max(largest, b.length))) });
    expect(count).toBe(BIG);
    expect(batches).toBeGreaterThan(BIG / 512);
    expect(largest).toBeLessThanOrEqual(512);
    // Cancelled after the first batch: the request ends CANCELLED and the server's walk ends with it.
    const controller = new AbortController();
    let seen = 0;
    const cancelled = client.listStream({ path: 'big' }, { signal: controller.signal, onBatch: (b) => ((seen += b.length), controller.abort()) });
    await expect(cancelled).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(seen).toBeLessThan(BIG);
    await waitFor(() => walks() === 0, 'the cancelled walk to end on the server');
    await waitFor(async () => (await logLines()).some((l) => l.command === 'list' && l.outcome === 'CANCELLED'), 'the cancelled listing in the log');
  });

  it('waits for a client that does not read instead of queueing its ITEMs', async () => {
    // 50,000 entries are ~5 MB of ITEMs: far more than 1 MiB of unread bytes.
    await serve({ unreadBytes: 1024 * 1024 });
    const c = rawSocket(t!.server.port, false);
    c.list(1);
    await waitFor(() => c.closed || waitingForClients() === 1, 'the listing to wait for its client');
    expect(c.closed).toBe(false);
    expect((await logLines()).filter((l) => l.command === 'connection')).toEqual([]);
    // Once the client reads, the whole listing arrives.
    c.socket.resume();
    await waitFor(() => c.frames.some((f) => f.kind === Kind.Reply && f.id === 1), 'the REPLY');
    const entries = c.frames.filter((f) => f.kind === Kind.Item).reduce((n, f) => n + (f.header.entries as unknown[]).length, 0);
    expect(entries).toBe(BIG);
  });

  it('ends a walk whose client reads nothing for sendStallMs, freeing its turn for another client', async () => {
    await serve({ walks: 1, sendStallMs: 300 });
    const stalled = rawSocket(t!.server.port, false);
    stalled.list(1);
    await waitFor(() => walks() === 1, 'the stalled walk to hold the only turn');
    const other = await t!.connect({ noCache: true });
    expect((await other.list({ path: 'small' })).map((e) => e.path)).toEqual(['small/a.txt']);
    expect((await logLines()).some((l) => l.command === 'connection' && l.outcome === 'TIMEOUT' && /read nothing/.test(l.message ?? ''))).toBe(true);
    await waitFor(() => walks() === 0, 'the turn to be free');
  });

  it('refuses walks past the bound with TOO_MANY_REQUESTS, logged, and admits again when they end', async () => {
    await serve({ walks: 1, walksWaiting: 1 });
    // Two connections that never read: one walk runs, one waits for a turn.
    const greedy = [rawSocket(t!.server.port, false), rawSocket(t!.server.port, false)];
    greedy[0]!.list(1);
    await waitFor(() => walks() === 1, 'the first walk to run');
    greedy[1]!.list(1);
    const other = await t!.connect({ noCache: true });
    await waitFor(async () => (await codeOf(other.list({ path: 'small' }))) === 'TOO_MANY_REQUESTS', 'a third walk to be refused');
    await expect(other.list({ path: 'small' })).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS', message: expect.stringMatching(/walks of the share/) });
    expect(await codeOf(other.hashAll({ path: 'small' }))).toBe('TOO_MANY_REQUESTS');
    await waitFor(async () => (await logLines()).some((l) => l.command === 'list' && l.outcome === 'TOO_MANY_REQUESTS'), 'the refusal in the log');
    for (const g of greedy) g.socket.destroy();
    await waitFor(() => walks() === 0, 'the greedy walks to end');
    expect((await other.list({ path: 'small' })).map((e) => e.path)).toEqual(['small/a.txt']);
  });

  it('64 listings on one connection that never reads: one walk, a small server, and a fresh client answered within 1 s', async () => {
    await serve();
    const before = heldMemory();
    const greedy = rawSocket(t!.server.port, false);
    for (let id = 1; id <= 64; id++) greedy.list(id, {});
    await waitFor(() => greedy.closed || waitingForClients() === 1, 'the first listing to wait for its client', 20_000);
    expect(greedy.closed).toBe(false);
    // The other 63 wait on the connection without walking anything.
    expect(walks()).toBe(1);
    const grown = heldMemory() - before;
    expect(grown).toBeLessThan(48 * 1024 * 1024);
    const started = performance.now();
    const fresh = await t!.connect({ noCache: true });
    expect((await fresh.list({ path: 'small' })).map((e) => e.path)).toEqual(['small/a.txt']);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it(`several connections listing ${BIG} entries at once each get them all, and a fresh client is answered within 1 s`, async () => {
    await serve();
    const clients = await Promise.all([1, 2, 3, 4].map(() => t!.connect({ noCache: true })));
    const counts = Promise.all(clients.map(async (c) => (await c.list({ path: 'big' })).length));
    await waitFor(() => walks() > 0, 'the listings to start');
    const started = performance.now();
    const fresh = await t!.connect({ noCache: true });
    expect((await fresh.list({ path: 'small' })).map((e) => e.path)).toEqual(['small/a.txt']);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await counts).toEqual([BIG, BIG, BIG, BIG]);
    expect(readdirSync(join(root, 'big')).length).toBe(BIG);
  });
});
