// Peers that have not completed the handshake: counted from accept (TLS too),
// closed at the handshake timeout, kept in a pool of their own with a cap per
// address, and held to small frames. A token holder always gets through.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcConnection, type RpcOptions } from '../../src/client/rpc.js';
import { encodeFrame, FrameDecoder, type Frame } from '../../src/protocol/frame.js';
import { MAX_HANDSHAKE_FRAME_BYTES } from '../../src/protocol/limits.js';
import { Kind } from '../../src/protocol/messages.js';
import type { ServerLimits } from '../../src/server/server.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.js';

const TOKEN = 'correct horse battery staple';

let t: TestServer | undefined;
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await t?.close();
  t = undefined;
});

interface Peer {
  socket: Socket;
  frames: Frame[];
  closed: Promise<void>;
  isClosed: () => boolean;
}

/** A raw TCP connection from `localAddress` (any 127.x.y.z routes on Linux loopback). */
function rawPeer(port: number, localAddress = '127.0.0.1'): Peer {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  const frames: Frame[] = [];
  const decoder = new FrameDecoder();
  let closed = false;
  socket.on('data', (c) => {
    try {
      frames.push(...decoder.push(c));
    } catch {
      /* TLS bytes on a raw peer: not frames */
    }
  });
  socket.on('error', () => {});
  const done = new Promise<void>((r) => socket.on('close', () => ((closed = true), r())));
  return { socket, frames, closed: done, isClosed: () => closed };
}

const logLines = async (file: string) =>
  (await readFile(file, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { command: string; outcome: string; message?: string; client: string });

async function tlsServer(limits: Partial<ServerLimits>): Promise<{ options: RpcOptions }> {
  const tlsDir = await mkdtemp(join(tmpdir(), 'ferry-tls-'));
  cleanups.push(() => rm(tlsDir, { recursive: true, force: true }));
  t = await startTestServer({ 'a.txt': 'a' }, { tls: true, tlsDir, token: TOKEN, limits });
  return { options: { host: '127.0.0.1', port: t.server.port, token: TOKEN, tls: true, knownServersFile: join(tlsDir, 'known') } };
}

describe('TLS peers that never finish the handshake', () => {
  it('a plain client on a TLS port is closed, with one log line naming the failed handshake', async () => {
    await tlsServer({});
    const peer = rawPeer(t!.server.port);
    cleanups.push(() => peer.socket.destroy());
    peer.socket.write(encodeFrame(Kind.Hello, 0, { versions: [1] }));
    await peer.closed;
    await waitFor(async () => (await logLines(t!.server.logFile)).some((r) => /TLS handshake failed/.test(r.message ?? '')), 'the refusal to be logged');
    const lines = (await logLines(t!.server.logFile)).filter((r) => r.command === 'connection');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ outcome: 'BAD_FRAME' });
  });

  it('are counted from accept and closed at the handshake timeout, with a log line', async () => {
    const { options } = await tlsServer({ handshakeMs: 300 });
    const before = t!.server.counters.connections;
    const peers = Array.from({ length: 30 }, () => rawPeer(t!.server.port));
    cleanups.push(() => peers.forEach((p) => p.socket.destroy()));
    await waitFor(() => t!.server.counters.connections - before >= 30, 'the TLS connections to be counted');
    // Never a ClientHello: the server closes every one of them by itself.
    await waitFor(() => peers.every((p) => p.isClosed()), 'the server to close the silent TLS peers', 5000);
    const timeouts = (await logLines(t!.server.logFile)).filter((r) => r.command === 'connection' && r.outcome === 'TIMEOUT');
    expect(timeouts.length).toBeGreaterThanOrEqual(30);
    const rpc = await RpcConnection.open(options);
    expect(rpc.welcome.share).toBeTruthy();
    rpc.destroy();
  });

  it('count against the unauthenticated pool, so a token holder still gets in', async () => {
    const { options } = await tlsServer({ unauthenticated: 8, unauthenticatedPerAddress: 8 });
    const peers = Array.from({ length: 20 }, () => rawPeer(t!.server.port));
    cleanups.push(() => peers.forEach((p) => p.socket.destroy()));
    // The pool holds 8: the server drops the oldest to admit each newer one.
    await waitFor(() => peers.filter((p) => p.isClosed()).length >= 12, 'the pool to shed its oldest', 5000);
    expect(peers.slice(-8).every((p) => !p.isClosed())).toBe(true);
    const rpc = await RpcConnection.open(options);
    expect(rpc.welcome.share).toBeTruthy();
    rpc.destroy();
  });
});

describe('unauthenticated peers', () => {
  it('cannot lock out a token holder: hundreds idle from many addresses, some reconnecting, and 25 listings all succeed', async () => {
    // A total lower than the attackers, so without a pool of their own they would fill it.
    t = await startTestServer({ 'a.txt': 'a', 'b.txt': 'b' }, { token: TOKEN, limits: { connections: 300, connectionsPerAddress: 300 } });
    const port = t.server.port;
    const ATTACKERS = 400;
    const addresses = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 1}`);
    let stop = false;
    let reconnects = 0;
    const live = new Set<Socket>();
    cleanups.push(() => {
      stop = true;
      for (const s of live) s.destroy();
    });
    const attack = (n: number) => {
      const p = rawPeer(port, addresses[n % addresses.length]!);
      live.add(p.socket);
      // Half say HELLO and then stall before AUTH; the others say nothing at all.
      if (n % 2 === 0) p.socket.write(encodeFrame(Kind.Hello, 0, { versions: [1], client: 'idle', nonce: 'ab'.repeat(16) }));
      p.socket.on('close', () => {
        live.delete(p.socket);
        // A quarter reconnect as soon as they are closed (bounded, and only while the test runs).
        if (n % 4 === 1 && !stop && reconnects < 20_000) {
          reconnects++;
          attack(n);
        }
      });
    };
    for (let n = 0; n < ATTACKERS; n++) attack(n);
    await waitFor(() => t!.server.counters.connections >= ATTACKERS, 'the attackers to connect');

    const outcomes: string[] = [];
    for (let i = 0; i < 25; i++) {
      try {
        const rpc = await RpcConnection.open({ host: '127.0.0.1', port, token: TOKEN });
        const items: unknown[] = [];
        await rpc.request({ op: 'list' }, { onItem: (h) => items.push(...(h.entries as unknown[])) });
        outcomes.push(items.length === 2 ? 'ok' : `listed ${items.length}`);
        rpc.destroy();
      } catch (err) {
        outcomes.push(String(err));
      }
    }
    stop = true;
    console.log(`pool: ${reconnects} reconnects; ${live.size} attackers connected at the end`);
    expect(outcomes).toEqual(Array(25).fill('ok'));
    const dropped = (await logLines(t.server.logFile)).filter((r) => r.command === 'connection' && r.outcome === 'TOO_MANY_REQUESTS');
    expect(dropped.length).toBeGreaterThan(0);
  }, 30_000);

  it('may send only a small frame before the handshake', async () => {
    t = await startTestServer({ 'a.txt': 'a' }, { token: TOKEN });
    const p = rawPeer(t.server.port);
    cleanups.push(() => p.socket.destroy());
    // The length prefix of a 4 MiB frame and a little of its body, before any HELLO.
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(4 * 1024 * 1024);
    p.socket.write(Buffer.concat([prefix, Buffer.alloc(1000)]));
    await p.closed;
    expect(p.frames.at(-1)?.header).toMatchObject({ code: 'BAD_FRAME', message: expect.stringContaining(`exceeds the limit of ${MAX_HANDSHAKE_FRAME_BYTES}`) });
    const lines = await logLines(t.server.logFile);
    expect(lines.some((r) => r.command === 'connection' && r.outcome === 'BAD_FRAME')).toBe(true);
  });
});

describe('partial frames', () => {
  it('cost the server what was sent, not what was declared', async () => {
    t = await startTestServer({ 'a.txt': 'a' });
    const PEERS = 100;
    const SENT = 1000;
    const peers = Array.from({ length: PEERS }, () => rawPeer(t!.server.port));
    cleanups.push(() => peers.forEach((p) => p.socket.destroy()));
    for (const p of peers) p.socket.write(encodeFrame(Kind.Hello, 0, { versions: [1], client: 'partial' }));
    await waitFor(() => peers.every((p) => p.frames.some((f) => f.kind === Kind.Welcome)), 'the handshakes');
    // Each declares a 4 MiB DATA frame and sends a little of it.
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(4 * 1024 * 1024);
    for (const p of peers) p.socket.write(Buffer.concat([prefix, Buffer.alloc(SENT)]));
    await waitFor(() => t!.server.partialFrames.received >= PEERS * SENT, 'the partial frames to arrive');
    const { reserved } = t.server.partialFrames;
    console.log(`partial frames: ${PEERS} × ${SENT} bytes sent, ${(reserved / 1024 / 1024).toFixed(1)} MiB held`);
    expect(reserved).toBeLessThanOrEqual(PEERS * 64 * 1024);
  });
});
