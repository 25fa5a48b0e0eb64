// Listening and dialling over real loopback sockets: a handshake engine on each
// side, TLS with the UDP keys both ends derive, a refusal carried in one ERROR
// frame, the dial deadline, and what the framed connection offers in place of
// its socket (address, TLS keys, queued bytes, a stream of DATA frames).

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/errors.js';
import type { Frame } from '../../src/protocol/frame.js';
import { type HandshakeAction, ServerHandshake, type ServerHandshakeResult } from '../../src/protocol/handshake.js';
import { ClientHandshake } from '../../src/protocol/handshake-client.js';
import { Kind } from '../../src/protocol/messages.js';
import { createSelfSigned } from '../../src/transport/cert.js';
import type { FrameConnection } from '../../src/transport/connection.js';
import { fingerprintOf } from '../../src/transport/fingerprint.js';
import { dial } from '../../src/transport/dial.js';
import { type Incoming, Listener } from '../../src/transport/listen.js';
import { scratchDir } from '../helpers/scratch.js';

const OFFER = { server: 'ferry/test', share: 'share', features: ['list'] };
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(tls?: ReturnType<typeof createSelfSigned>): Promise<{ listener: Listener; accepted: Incoming[] }> {
  const listener = await Listener.open({ host: '127.0.0.1', port: 0, ...(tls ? { tls: { identity: tls, handshakeMs: 5000 } } : {}) });
  const accepted: Incoming[] = [];
  listener.on('connection', (incoming) => accepted.push(incoming));
  cleanups.push(() => {
    for (const incoming of accepted) incoming.destroy();
    return listener.close();
  });
  return { listener, accepted };
}

/** Answer the handshake on `conn` with a ServerHandshake; resolves with its outcome. */
function answer(conn: FrameConnection): Promise<HandshakeAction<ServerHandshakeResult>> {
  const engine = new ServerHandshake({ offer: OFFER });
  return new Promise((resolve) => {
    const onFrame = (frame: Frame) => {
      for (const action of engine.receive(frame)) {
        if (action.type === 'send') conn.send(action.frame.kind, 0, action.frame.header);
        else {
          conn.off('frame', onFrame);
          resolve(action);
        }
      }
    };
    conn.on('frame', onFrame);
  });
}

const clientEngine = () => new ClientHandshake({ address: 'test', client: 'ferry/test' });

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const l = await Listener.open({ host: '127.0.0.1', port: 0 });
  await l.close();
  return l.port;
}

describe('listen and dial', () => {
  it('over TCP: frames at once, the handshake on both sides, and a stream of DATA frames ending in END', async () => {
    const { listener } = await listen();
    const served = new Promise<FrameConnection>((resolve) => listener.on('connection', (incoming) => resolve(incoming.frames())));
    const dialled = dial({ host: '127.0.0.1', port: listener.port }, clientEngine());
    const serverConn = await served;
    const [outcome, { conn, result, tls }] = await Promise.all([answer(serverConn), dialled]);
    cleanups.push(() => conn.destroy());
    expect(outcome).toEqual({ type: 'done', result: { version: 2, auth: 'none', client: 'ferry/test' } });
    expect(result).toMatchObject({ version: 2, share: 'share', auth: 'none' });
    expect(tls).toBeUndefined();
    expect(serverConn.remoteAddress).toBe('127.0.0.1');
    expect(conn.secure).toBe(false);
    expect(conn.udpKey('0123456789abcdef')).toBeUndefined();

    const received: Frame[] = [];
    const ended = new Promise<void>((resolve) =>
      serverConn.on('frame', (f) => {
        received.push(f);
        if (f.kind === Kind.End) resolve();
      }),
    );
    async function* chunks() {
      for (let i = 0; i < 3; i++) yield Buffer.alloc(100_000, i);
    }
    const progress: number[] = [];
    await conn.sendStream(7, chunks(), { onChunk: (sent) => progress.push(sent) });
    await ended;
    expect(received.map((f) => [f.kind, f.id, f.payload.length, f.payload[0]])).toEqual([
      [Kind.Data, 7, 100_000, 0],
      [Kind.Data, 7, 100_000, 1],
      [Kind.Data, 7, 100_000, 2],
      [Kind.End, 7, 0, undefined],
    ]);
    expect(progress).toEqual([100_000, 200_000, 300_000]);
    expect(conn.queuedBytes).toBe(0);
  });

  it('over TLS: frames only after the TLS handshake, the pinned fingerprint, and the same UDP key at both ends', async () => {
    const identity = createSelfSigned();
    const fingerprint = fingerprintOf(identity.cert);
    const { listener, accepted } = await listen(identity);
    const served = new Promise<FrameConnection>((resolve) =>
      listener.on('secured', (incoming) => {
        expect(incoming.ready).toBe(true);
        resolve(incoming.frames());
      }),
    );
    const dir = await scratchDir();
    const { conn, tls } = await Promise.all([
      dial({ host: '127.0.0.1', port: listener.port, tls: true, fingerprint, knownServersFile: join(dir, 'known') }, clientEngine()),
      served.then(answer),
    ]).then(([d]) => d);
    cleanups.push(() => conn.destroy());
    expect(accepted).toHaveLength(1);
    expect(tls).toEqual({ fingerprint, firstUse: false });
    const serverConn = await served;
    expect(conn.secure && serverConn.secure).toBe(true);
    const key = conn.udpKey('0123456789abcdef');
    expect(key).toHaveLength(32);
    expect(serverConn.udpKey('0123456789abcdef')!.equals(key!)).toBe(true);
    expect(serverConn.udpKey('fedcba9876543210')!.equals(key!)).toBe(false);
  });

  it('a plain client on a TLS port is reported as a failed TLS handshake', async () => {
    const { listener } = await listen(createSelfSigned());
    const failed = new Promise<string | undefined>((resolve) => listener.on('tlsError', (incoming, err) => resolve(`${incoming.remote} ${err.code}`)));
    const err = await dial({ host: '127.0.0.1', port: listener.port }, clientEngine()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.ConnectionLost });
    expect(await failed).toMatch(/^127\.0\.0\.1:\d+ ERR_SSL/);
  });

  it('a refused peer gets one ERROR frame saying why, and the dialler reports it', async () => {
    const { listener } = await listen();
    listener.on('connection', (incoming) => incoming.refuse({ code: ErrorCode.TooManyRequests, message: 'server busy: full' }));
    await expect(dial({ host: '127.0.0.1', port: listener.port }, clientEngine())).rejects.toMatchObject({
      code: ErrorCode.TooManyRequests,
      message: 'server busy: full',
    });
  });

  it('gives up at the deadline on a server that never answers, and closes', async () => {
    const { listener } = await listen();
    // It reads (so it sees the close) and says nothing.
    const closed = new Promise<void>((resolve) =>
      listener.on('connection', (incoming) => {
        incoming.frames();
        incoming.onClose(resolve);
      }),
    );
    await expect(dial({ host: '127.0.0.1', port: listener.port, timeoutMs: 200 }, clientEngine())).rejects.toMatchObject({
      code: ErrorCode.Timeout,
      message: `cannot connect to 127.0.0.1:${listener.port}: no answer within 200 ms`,
    });
    await closed;
  });

  it('names a refused connection in words', async () => {
    const port = await closedPort();
    await expect(dial({ host: '127.0.0.1', port }, clientEngine())).rejects.toMatchObject({
      code: ErrorCode.ConnectionLost,
      message: `cannot connect to 127.0.0.1:${port}: connection refused (is \`ferry serve\` running?)`,
    });
  });
});
