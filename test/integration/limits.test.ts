// Limits that keep one client from holding the server: connections per
// address, idle connections, clients that never read, UDP sessions, and
// binding beyond loopback without a token.

import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RpcConnection } from '../../src/client/rpc.js';
import { encodeFrame, FrameDecoder, type Frame } from '../../src/protocol/frame.js';
import { PROTOCOL_VERSION } from '../../src/protocol/limits.js';
import { Kind } from '../../src/protocol/messages.js';
import { FerryServer } from '../../src/server/server.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

function rawSocket(port: number) {
  const socket = connect({ host: '127.0.0.1', port });
  const frames: Frame[] = [];
  const decoder = new FrameDecoder();
  socket.on('data', (c) => frames.push(...decoder.push(c)));
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.on('close', () => r()));
  return { socket, frames, closed };
}

describe('limits', () => {
  it('refuses connections beyond the per-address limit with a reason, and accepts again when one closes', async () => {
    t = await startTestServer({ 'a.txt': 'a' }, { limits: { connectionsPerAddress: 3 } });
    const open = await Promise.all([1, 2, 3].map(() => RpcConnection.open({ host: '127.0.0.1', port: t!.server.port })));
    await expect(RpcConnection.open({ host: '127.0.0.1', port: t.server.port })).rejects.toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      message: expect.stringMatching(/more than 3 connections/),
    });
    await open[0]!.close();
    const again = await waitFor(() => RpcConnection.open({ host: '127.0.0.1', port: t!.server.port }).catch(() => undefined), 'a free slot');
    expect(again.welcome.version).toBe(PROTOCOL_VERSION);
    for (const c of [...open.slice(1), again]) c.destroy();
  });

  it('closes a connection that trickles a frame without ever completing it', async () => {
    t = await startTestServer({}, { limits: { idleMs: 300 } });
    const c = rawSocket(t.server.port);
    c.socket.write(encodeFrame(Kind.Hello, 0, { versions: [1], client: 'slow' }));
    const frame = encodeFrame(Kind.Request, 1, { op: 'list' });
    c.socket.write(frame.subarray(0, 6)); // and never the rest
    await c.closed;
    expect(c.frames.at(-1)!.header).toMatchObject({ code: 'TIMEOUT' });
  });

  it('keeps a connection with a request in flight open past the idle limit', async () => {
    t = await startTestServer({}, { limits: { idleMs: 200 } });
    const client = await t.connect({ noCache: true });
    const controller = new AbortController();
    const seen: string[] = [];
    let live!: () => void;
    const isLive = new Promise<void>((r) => (live = r));
    const following = client.followLogs({ limit: 0, signal: controller.signal, onLive: live, onRecord: (r) => seen.push(r.command) });
    await isLive;
    // An idle connection opened after the follow started: once the server has
    // closed it, the idle limit has certainly passed for the follow too.
    const idle = rawSocket(t.server.port);
    idle.socket.write(encodeFrame(Kind.Hello, 0, { versions: [1], client: 'idle' }));
    await idle.closed;
    const other = await t.connect({ noCache: true });
    await other.list();
    await waitFor(() => seen.includes('list'), 'the follow to see a new record');
    controller.abort();
    await following;
  });

  it('holds a client that asks for 60 listings and never reads to one paused walk, then disconnects it', async () => {
    const spec: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) spec[`folder/${'x'.repeat(100)}-${i}.txt`] = 'x';
    t = await startTestServer(spec, { limits: { unreadBytes: 64 * 1024, sendStallMs: 500 } });
    const { server } = t;
    const c = rawSocket(server.port);
    c.socket.pause(); // never read
    c.socket.write(encodeFrame(Kind.Hello, 0, { versions: [1], client: 'greedy' }));
    // 60 listings of ~400 KB each: far more than the kernel's socket buffers absorb.
    for (let id = 1; id <= 60; id++) c.socket.write(encodeFrame(Kind.Request, id, { op: 'list' }));
    const observer = await t.connect({ noCache: true });
    // A listing waits for the client to read: one walk runs (the rest queue on the
    // connection, holding nothing), and nothing piles up past the send budget.
    await waitFor(() => server.walks.active === 1, 'the first walk to start');
    // The paused socket cannot see the close; the server's log says it happened.
    await waitFor(
      async () =>
        (await observer.logs({ limit: 100 })).some((r) => r.command === 'connection' && r.outcome === 'TIMEOUT' && /read nothing/.test(r.message ?? '')),
      'the disconnect',
    );
    await waitFor(() => server.walks.active === 0, 'its walk to end');
    expect((await observer.logs({ limit: 200 })).some((r) => r.outcome === 'TOO_LARGE')).toBe(false);
    c.socket.resume();
    await c.closed;
  });

  it('refuses to listen beyond loopback without a token unless told it is fine', async () => {
    await expect(FerryServer.start({ root: '.', host: '0.0.0.0', port: 0 })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringMatching(/without a token/),
    });
  });
});
