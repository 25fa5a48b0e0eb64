// Clients that ask and never read: one budget per connection covers every
// frame the server sends. DATA waits for the connection to drain (and only a
// few transfers per connection hold a file open), frames that cannot wait
// disconnect the client past the budget, and a real client keeps its answers.

import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { FerryClient } from '../../src/client/client.js';
import { RpcConnection } from '../../src/client/rpc.js';
import { encodeFrame } from '../../src/protocol/frame.js';
import { Kind } from '../../src/protocol/messages.js';
import { DEFAULT_LIMITS } from '../../src/server/server.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.js';

const MiB = 1024 * 1024;
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const content = randomBytes(3 * MiB + 17);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const openFds = () => readdirSync('/proc/self/fd').length;
const heldMemory = () => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external; // external includes every Buffer
};

let t: TestServer | undefined;
const attackers: Socket[] = [];
afterEach(async () => {
  for (const s of attackers.splice(0)) s.destroy();
  await t?.close();
  t = undefined;
});

/** A raw connection that says HELLO and then never reads what it is sent. */
function nonReader(port: number): Socket {
  const socket = connect({ host: '127.0.0.1', port });
  socket.pause();
  socket.on('error', () => {});
  socket.write(encodeFrame(Kind.Hello, 0, { versions: [1], client: 'non-reader' }));
  attackers.push(socket);
  return socket;
}

async function realClient(port: number): Promise<FerryClient> {
  const options = { host: '127.0.0.1', port };
  return new FerryClient(await RpcConnection.open(options), options, null);
}

/** Runs `work` while sampling `probe` every few milliseconds; returns the largest sample. */
async function peakDuring(probe: () => number, work: () => Promise<void>): Promise<number> {
  let peak = probe();
  const timer = setInterval(() => (peak = Math.max(peak, probe())), 5);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, probe());
}

const loggedTooLarge = async (client: FerryClient) =>
  (await client.logs({ limit: 1000 })).filter((r) => r.command === 'connection' && r.outcome === 'TOO_LARGE');

describe('per-connection send budget', () => {
  it('holds 20 clients that each start 64 downloads and never read, and still serves a real client', async () => {
    const CLIENTS = 20;
    const DOWNLOADS = 64;
    t = await startTestServer({ 'big.bin': content });
    const { server } = t;
    const dest = await mkdtemp(join(t.scratch, 'dest-'));
    // Warm up (hash index, workers) so the baseline is the steady state.
    const warm = await realClient(server.port);
    await warm.download('big.bin', { dest, noCache: true });
    await warm.close();
    const fdBase = openFds();
    const memBase = heldMemory();
    const rssBase = process.memoryUsage().rss;

    const sockets = Array.from({ length: CLIENTS }, () => nonReader(server.port));
    for (const s of sockets) {
      for (let id = 1; id <= DOWNLOADS; id++) s.write(encodeFrame(Kind.Request, id, { op: 'download', path: 'big.bin' }));
    }
    const requestsBefore = server.counters.requests;
    await waitFor(() => server.counters.requests >= requestsBefore + CLIENTS * 2, 'the downloads to start');

    let fdPeak = 0;
    let memPeak = 0;
    const queuedPeak = await peakDuring(
      () => {
        fdPeak = Math.max(fdPeak, openFds());
        return server.queuedBytes;
      },
      async () => {
        const client = await realClient(server.port);
        const started = performance.now();
        expect((await client.list()).map((e) => e.path)).toEqual(['big.bin']);
        const r = await client.download('big.bin', { dest, noCache: true });
        expect(md5(await readFile(r.dest))).toBe(md5(content));
        expect(await client.ping()).toBeGreaterThanOrEqual(0);
        expect(performance.now() - started).toBeLessThan(5000);
        memPeak = heldMemory();
        await client.close();
      },
    );
    const rssGrowth = process.memoryUsage().rss - rssBase;
    console.log(
      `non-readers: queued peak ${(queuedPeak / MiB).toFixed(1)} MiB, transfers ${server.counters.transfers}, fds ${fdBase} -> ${fdPeak}, held memory +${((memPeak - memBase) / MiB).toFixed(1)} MiB, rss +${(rssGrowth / MiB).toFixed(1)} MiB`,
    );
    const perConnection = DEFAULT_LIMITS.transfersPerConnection;
    // Each connection holds at most its running transfers' files...
    expect(server.counters.transfers).toBeLessThanOrEqual(CLIENTS * perConnection);
    // ...and one socket per end of each connection (both ends live in this process), plus the real client's.
    expect(fdPeak - fdBase).toBeLessThanOrEqual(CLIENTS * (2 + perConnection) + 16);
    // Queued DATA: at most one chunk per running transfer waits in a connection's buffer.
    expect(queuedPeak).toBeLessThanOrEqual(CLIENTS * perConnection * (MiB + 64));
    // Queued, waiting and read-ahead chunks together: a few MiB a connection, not 130
    // (plus what the real client's own download holds in this same process).
    expect(memPeak - memBase).toBeLessThanOrEqual(CLIENTS * 6 * MiB + 32 * MiB);
    expect(rssGrowth).toBeLessThanOrEqual(400 * MiB);

    for (const s of sockets) s.destroy();
    await waitFor(() => server.counters.transfers === 0, 'the held transfers to end');
  }, 60_000);

  it('disconnects a client that floods PINGs and never reads the PONGs, with a log line', async () => {
    t = await startTestServer({ 'a.txt': 'a' });
    const { server } = t;
    const flood = nonReader(server.port);
    const closed = new Promise<void>((r) => flood.on('close', () => r()));
    const ping = encodeFrame(Kind.Ping, 0, { pad: 'x'.repeat(1000) });
    // Three budgets' worth of PONGs: far more than the budget and the kernel's buffers together.
    const total = Math.ceil((3 * DEFAULT_LIMITS.unreadBytes) / ping.length);
    const queuedPeak = await peakDuring(
      () => server.queuedBytes,
      async () => {
        for (let i = 0; i < total && !flood.destroyed; i++) {
          if (!flood.write(ping)) await new Promise<void>((r) => (flood.once('drain', r), flood.once('close', r)));
        }
        const observer = await realClient(server.port);
        await waitFor(async () => (await loggedTooLarge(observer)).some((r) => /not reading/.test(r.message ?? '')), 'the flood to be disconnected');
        expect(await observer.ping()).toBeGreaterThanOrEqual(0);
        await observer.close();
      },
    );
    expect(queuedPeak).toBeLessThanOrEqual(DEFAULT_LIMITS.unreadBytes + 64 * 1024);
    flood.resume();
    await closed;
  }, 30_000);

  it('disconnects a client that reads nothing while its download waits, freeing its transfer', async () => {
    // Larger than what loopback's socket buffers absorb, so the transfer must wait on the client.
    t = await startTestServer({ 'huge.bin': Buffer.alloc(48 * MiB, 1) }, { limits: { sendStallMs: 300 } });
    const { server } = t;
    const s = nonReader(server.port);
    s.write(encodeFrame(Kind.Request, 1, { op: 'download', path: 'huge.bin' }));
    await waitFor(() => server.counters.transfers > 0, 'the download to start');
    const client = await realClient(server.port);
    const stalls = async () =>
      (await client.logs({ limit: 100 })).filter((r) => r.command === 'connection' && r.outcome === 'TIMEOUT' && /read nothing/.test(r.message ?? ''));
    // Within the budget, yet stalled: the server gives up on it by itself.
    await waitFor(async () => (await stalls()).length > 0, 'the stalled client to be dropped', 5000);
    await waitFor(() => server.counters.transfers === 0, 'its transfer to be released', 5000);
    expect(await stalls()).toHaveLength(1);
    expect(server.counters.bytesSent).toBeLessThan(48 * MiB);
    await client.close();
  });

  it('runs 20 downloads on one connection without a MaxListenersExceededWarning', async () => {
    t = await startTestServer({ 'big.bin': content });
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const rpc = await RpcConnection.open({ host: '127.0.0.1', port: t.server.port });
      const sizes = await Promise.all(
        Array.from({ length: 20 }, async () => {
          let bytes = 0;
          await rpc.request({ op: 'download', path: 'big.bin' }, { onData: (p) => (bytes += p.length) });
          return bytes;
        }),
      );
      expect(sizes).toEqual(Array(20).fill(content.length));
      await rpc.close();
      await new Promise((r) => setImmediate(r)); // warnings are emitted on a later tick
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map(String)).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  }, 30_000);
});
