// Token authentication: mutual proofs, the client's first, refusals before any
// request is read, and nothing derived from the token before the client proved.

import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcConnection } from '../../src/client/rpc.js';
import { clientProof, serverProof } from '../../src/protocol/auth.js';
import { encodeFrame, FrameDecoder, type Frame } from '../../src/protocol/frame.js';
import { PROTOCOL_VERSION } from '../../src/protocol/limits.js';
import { Kind } from '../../src/protocol/messages.js';
import { createSelfSigned } from '../../src/transport/cert.js';
import { tlsServerOptions } from '../../src/transport/tls.js';
import { fingerprintOf } from '../../src/transport/fingerprint.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const TOKEN = 'correct horse battery staple';
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ 'secret.txt': 'only for token holders\n' }, { token: TOKEN });
});
afterAll(() => t.close());

const open = (token?: string) => RpcConnection.open({ host: '127.0.0.1', port: t.server.port, ...(token ? { token } : {}) });

/** Speak the handshake by hand, returning every frame the server sent until it closed. */
async function rawHandshake(
  send: (welcome: Frame | undefined, write: (b: Buffer) => void, end: () => void) => void,
  nonce = 'ab'.repeat(32),
  port = t.server.port,
): Promise<Frame[]> {
  const socket = connect({ host: '127.0.0.1', port });
  const decoder = new FrameDecoder();
  const frames: Frame[] = [];
  socket.on('error', () => {});
  socket.on('connect', () => {
    socket.write(encodeFrame(Kind.Hello, 0, { versions: [PROTOCOL_VERSION], client: 'raw', nonce }));
    send(
      undefined,
      (b) => socket.write(b),
      () => socket.end(),
    );
  });
  socket.on('data', (c) => {
    for (const f of decoder.push(c)) {
      frames.push(f);
      if (f.kind === Kind.Welcome)
        send(
          f,
          (b) => socket.write(b),
          () => socket.end(),
        );
    }
  });
  await new Promise((r) => socket.on('close', r));
  return frames;
}

describe('token authentication', () => {
  it('lets a client with the right token in, and only then tells it about the share', async () => {
    const rpc = await open(TOKEN);
    expect(rpc.welcome).toMatchObject({ auth: 'token', share: 'share' });
    const reply = await rpc.request({ op: 'hash', path: 'secret.txt' });
    expect(reply.path).toBe('secret.txt');
    await rpc.close();
  });

  it('refuses a wrong token and a missing token', async () => {
    await expect(open('wrong')).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/refused the token: wrong token/) });
    await expect(open()).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/requires a token/) });
  });

  it('reads no request before the proof: a request instead of AUTH closes the connection', async () => {
    const frames = await rawHandshake((welcome, write) => {
      if (welcome) write(encodeFrame(Kind.Request, 1, { op: 'hash', path: 'secret.txt' }));
    });
    expect(frames.map((f) => f.kind)).toEqual([Kind.Welcome, Kind.Error]);
    expect(frames[0]!.header.share).toBeUndefined();
    expect(frames[1]!.header).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('refuses a replayed proof: the server nonce is fresh on every connection', async () => {
    let proof = '';
    const nonce = 'cd'.repeat(32);
    // First connection: a legitimate proof, recorded.
    const first = await rawHandshake((welcome, write, end) => {
      if (!welcome) return;
      proof = clientProof(TOKEN, nonce, String(welcome.header.nonce));
      write(encodeFrame(Kind.Auth, 0, { proof }));
      end();
    }, nonce);
    expect(first.at(-1)).toMatchObject({ kind: Kind.Auth, header: { share: 'share' } });
    // Only now, after the client's proof, does the server prove itself.
    expect(first.at(-1)!.header.proof).toBe(serverProof(TOKEN, nonce, String(first[0]!.header.nonce)));
    // Second connection, same client nonce: replaying the recorded proof fails.
    const frames = await rawHandshake((welcome, write) => {
      if (welcome) write(encodeFrame(Kind.Auth, 0, { proof }));
    }, nonce);
    expect(frames.at(-1)!.header).toMatchObject({ code: 'UNAUTHORIZED', message: 'wrong token' });
  });

  it('does not hand a token holder to a server that cannot prove it knows the token', async () => {
    const open2 = await startTestServer({});
    await expect(RpcConnection.open({ host: '127.0.0.1', port: open2.server.port, token: TOKEN })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await open2.close();
  });

  it('a single HELLO reveals nothing derived from the token: no proof, and the same WELCOME for any token', async () => {
    const other = await startTestServer({}, { token: 'a different token, just as long' });
    try {
      const nonce = 'ef'.repeat(32);
      const welcomeFrom = async (port: number) => {
        const frames = await rawHandshake((welcome, _write, end) => welcome && end(), nonce, port);
        expect(frames.map((f) => f.kind)).toEqual([Kind.Welcome]);
        return frames[0]!.header;
      };
      const a = await welcomeFrom(t.server.port);
      const b = await welcomeFrom(other.server.port);
      expect(a).not.toHaveProperty('proof');
      expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
      // The server's nonce is fresh randomness; every other field is the same whatever the token.
      const { nonce: na, ...restA } = a;
      const { nonce: nb, ...restB } = b;
      expect(restA).toEqual(restB);
      expect(restA).toEqual({ version: PROTOCOL_VERSION, server: expect.any(String), auth: 'token' });
      expect(na).toMatch(/^[0-9a-f]{64}$/);
      expect(nb).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await other.close();
    }
  });

  it('answers a version-1 HELLO (where the server proved first) with UNSUPPORTED_VERSION, not a WELCOME', async () => {
    const socket = connect({ host: '127.0.0.1', port: t.server.port });
    const decoder = new FrameDecoder();
    const frames: Frame[] = [];
    socket.on('error', () => {});
    socket.on('data', (c: Buffer) => frames.push(...decoder.push(c)));
    socket.on('connect', () => socket.write(encodeFrame(Kind.Hello, 0, { versions: [1], client: 'old', nonce: 'ab'.repeat(32) })));
    await new Promise((r) => socket.on('close', r));
    expect(frames.map((f) => f.kind)).toEqual([Kind.Error]);
    expect(frames[0]!.header).toMatchObject({ code: 'UNSUPPORTED_VERSION', message: expect.stringMatching(/requires a token/) });
  });

  it('sends no request to a server that takes its proof but cannot prove itself', async () => {
    for (const proofFor of [() => undefined, () => randomBytes(32).toString('hex'), (cn: string, sn: string) => serverProof('not the token at all', cn, sn)]) {
      const fake = await fakeTokenServer(proofFor);
      try {
        const outcome = RpcConnection.open({ host: '127.0.0.1', port: fake.port, token: TOKEN }).then(
          () => 'connected',
          (err: unknown) => err,
        );
        await expect(outcome).resolves.toMatchObject({
          code: 'UNAUTHORIZED',
          message: expect.stringMatching(/failed to prove it knows the token/),
        });
        await fake.closed();
        expect(fake.kinds).toEqual([Kind.Hello, Kind.Auth]);
      } finally {
        await fake.close();
      }
    }
  });

  it('over TLS, tells an impostor nothing: the certificate check comes before HELLO and the proof', async () => {
    const impostor = createSelfSigned();
    const received: Buffer[] = [];
    const sockets: TLSSocket[] = [];
    const server = createTlsServer(tlsServerOptions(impostor), (s) => {
      sockets.push(s);
      s.on('error', () => {});
      s.on('data', (d: Buffer) => received.push(d));
    });
    // Every TCP connection, so the test waits for the client's to close even if
    // it never got as far as a TLS session on the server's side.
    const tcpClosed: Promise<unknown>[] = [];
    server.on('connection', (raw: Socket) => tcpClosed.push(new Promise((r) => raw.once('close', r))));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const pinned = fingerprintOf(createSelfSigned().cert); // the server the user meant
      const err = await RpcConnection.open({ host: '127.0.0.1', port, token: TOKEN, tls: true, fingerprint: pinned }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringContaining(pinned) });
      expect(tcpClosed).toHaveLength(1);
      await Promise.all(tcpClosed);
      expect(Buffer.concat(received)).toHaveLength(0);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});

/**
 * A server that asks for a token, accepts whatever AUTH comes, and answers with
 * the proof `proofFor` makes (none, random, or one from another token).
 */
async function fakeTokenServer(proofFor: (clientNonce: string, serverNonce: string) => string | undefined) {
  const kinds: number[] = [];
  const sockets = new Set<Socket>();
  let closedOne: () => void = () => {};
  const closedPromise = new Promise<void>((r) => (closedOne = r));
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => (sockets.delete(socket), closedOne()));
    const decoder = new FrameDecoder();
    const serverNonce = randomBytes(32).toString('hex');
    let clientNonce = '';
    socket.on('data', (chunk: Buffer) => {
      for (const f of decoder.push(chunk)) {
        kinds.push(f.kind);
        if (f.kind === Kind.Hello) {
          clientNonce = String(f.header.nonce);
          socket.write(encodeFrame(Kind.Welcome, 0, { version: PROTOCOL_VERSION, server: 'fake', auth: 'token', nonce: serverNonce }));
        } else if (f.kind === Kind.Auth) {
          const proof = proofFor(clientNonce, serverNonce);
          socket.write(
            encodeFrame(Kind.Auth, 0, {
              version: PROTOCOL_VERSION,
              server: 'fake',
              share: 'share',
              features: ['list'],
              auth: 'token',
              ...(proof ? { proof } : {}),
            }),
          );
        }
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    kinds,
    closed: () => closedPromise,
    close: () => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))),
  };
}
