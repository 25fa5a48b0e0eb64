// The server at the frame level: what a broken or hostile client gets back,
// and that everyone else keeps being served.

import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, type Frame } from '../../src/protocol/frame.js';
import { MAX_IN_FLIGHT } from '../../src/protocol/limits.js';
import { Kind } from '../../src/protocol/messages.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ 'a.txt': 'hello\n' });
});
afterAll(() => t.close());

/** A raw socket that collects decoded frames and notices when the server closes it. */
async function raw(): Promise<{ socket: Socket; frames: Frame[]; closed: Promise<void>; next: (pred: (f: Frame) => boolean) => Promise<Frame> }> {
  const socket = connect({ host: '127.0.0.1', port: t.server.port });
  await new Promise<void>((r) => socket.once('connect', () => r()));
  const frames: Frame[] = [];
  const decoder = new FrameDecoder();
  const waiters: [(f: Frame) => boolean, (f: Frame) => void][] = [];
  socket.on('data', (chunk) => {
    for (const f of decoder.push(chunk)) {
      frames.push(f);
      for (const w of [...waiters]) if (w[0](f)) waiters.splice(waiters.indexOf(w), 1), w[1](f);
    }
  });
  const closed = new Promise<void>((r) => socket.on('close', () => r()));
  socket.on('error', () => {});
  const next = (pred: (f: Frame) => boolean) =>
    new Promise<Frame>((resolve) => {
      const found = frames.find(pred);
      if (found) resolve(found);
      else waiters.push([pred, resolve]);
    });
  return { socket, frames, closed, next };
}

const hello = () => encodeFrame(Kind.Hello, 0, { versions: [1], client: 'test' });

async function stillServes(): Promise<void> {
  const client = await t.connect({ noCache: true });
  expect((await client.list()).map((e) => e.path)).toEqual(['a.txt']);
  await client.close();
}

describe('server at the frame level', () => {
  it('welcomes a client with the chosen version and its features', async () => {
    const c = await raw();
    c.socket.write(hello());
    const w = await c.next((f) => f.kind === Kind.Welcome);
    expect(w.header).toMatchObject({ version: 1, features: ['list', 'hash', 'download', 'logs', 'blake3', 'list-blake3', 'watch', 'batch', 'udp'] });
    expect(String(w.header.server)).toMatch(/^ferry\/\d+\.\d+\.\d+/);
    c.socket.destroy();
  });

  it('refuses an unsupported version and closes', async () => {
    const c = await raw();
    c.socket.write(encodeFrame(Kind.Hello, 0, { versions: [7, 9], client: 'future' }));
    const e = await c.next((f) => f.kind === Kind.Error);
    expect(e.header).toMatchObject({ code: 'UNSUPPORTED_VERSION' });
    await c.closed;
  });

  it('closes a connection whose first frame is not HELLO', async () => {
    const c = await raw();
    c.socket.write(encodeFrame(Kind.Request, 1, { op: 'list' }));
    expect((await c.next((f) => f.kind === Kind.Error)).header).toMatchObject({ code: 'BAD_FRAME' });
    await c.closed;
    await stillServes();
  });

  it('answers broken framing with BAD_FRAME, closes, and keeps serving others', async () => {
    const c = await raw();
    c.socket.write(hello());
    await c.next((f) => f.kind === Kind.Welcome);
    c.socket.write(Buffer.from('0000000763000000010000', 'hex')); // unknown kind 0x63
    expect((await c.next((f) => f.kind === Kind.Error && f.id === 0)).header).toMatchObject({ code: 'BAD_FRAME' });
    await c.closed;
    await stillServes();
  });

  it('answers a malformed request with a coded error on that id and keeps the connection', async () => {
    const c = await raw();
    c.socket.write(hello());
    c.socket.write(encodeFrame(Kind.Request, 5, { op: 'format-disk' }));
    c.socket.write(encodeFrame(Kind.Request, 6, { op: 'hash', path: 42 }));
    c.socket.write(encodeFrame(Kind.Request, 7, { op: 'hash', path: 'a.txt' }));
    expect((await c.next((f) => f.id === 5)).header).toMatchObject({ code: 'BAD_REQUEST', message: "unknown operation 'format-disk'" });
    expect((await c.next((f) => f.id === 6)).header).toMatchObject({ code: 'BAD_REQUEST' });
    const ok = await c.next((f) => f.id === 7);
    expect(ok.kind).toBe(Kind.Reply);
    expect(ok.header).toMatchObject({ path: 'a.txt', md5: 'b1946ac92492d2347c6235b4d2611184' });
    c.socket.destroy();
    const log = await (await t.connect({ noCache: true })).logs({ limit: 50 });
    expect(log.some((r) => r.command === 'format-disk' && r.outcome === 'BAD_REQUEST')).toBe(true);
  });

  it('refuses requests beyond the in-flight limit with TOO_MANY_REQUESTS', async () => {
    const c = await raw();
    c.socket.write(hello());
    await c.next((f) => f.kind === Kind.Welcome);
    // Follow requests stay open until cancelled: fill every slot, then one more.
    const frames = [];
    for (let id = 1; id <= MAX_IN_FLIGHT + 1; id++) frames.push(encodeFrame(Kind.Request, id, { op: 'logs', limit: 0, follow: true }));
    c.socket.write(Buffer.concat(frames));
    expect((await c.next((f) => f.id === MAX_IN_FLIGHT + 1 && f.kind === Kind.Error)).header).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    c.socket.write(encodeFrame(Kind.Cancel, 1));
    expect((await c.next((f) => f.id === 1 && f.kind === Kind.Error)).header).toMatchObject({ code: 'CANCELLED' });
    c.socket.destroy();
  });

  it('answers PING with PONG', async () => {
    const client = await t.connect({ noCache: true });
    expect(await client.ping()).toBeGreaterThan(0);
    await client.close();
  });
});

describe('shutdown', () => {
  it('lets an in-flight request finish, refuses new ones, then closes', async () => {
    const s = await startTestServer({ 'a.txt': 'hello\n' });
    const client = await s.connect({ noCache: true });
    const controller = new AbortController();
    let live!: () => void;
    const isLive = new Promise<void>((r) => (live = r));
    const following = client.followLogs({ limit: 0, signal: controller.signal, onLive: live, onRecord: () => {} });
    await isLive;
    const closing = s.server.close();
    // The follow request is still running: the server waits (up to its grace period) for it.
    await expect(client.list()).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    controller.abort();
    await following;
    await closing;
    await s.close();
  });
});
