// Token authentication: mutual proofs, refusals before any request is read.

import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RpcConnection } from '../../src/client/rpc.js';
import { clientProof } from '../../src/protocol/auth.js';
import { encodeFrame, FrameDecoder, type Frame } from '../../src/protocol/frame.js';
import { Kind } from '../../src/protocol/messages.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const TOKEN = 'correct horse battery staple';
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ 'secret.txt': 'only for token holders\n' }, { token: TOKEN });
});
afterAll(() => t.close());

const open = (token?: string) => RpcConnection.open({ host: '127.0.0.1', port: t.server.port, ...(token ? { token } : {}) });

/** Speak the handshake by hand, returning every frame the server sent until it closed. */
async function rawHandshake(send: (welcome: Frame | undefined, write: (b: Buffer) => void, end: () => void) => void, nonce = 'ab'.repeat(32)): Promise<Frame[]> {
  const socket = connect({ host: '127.0.0.1', port: t.server.port });
  const decoder = new FrameDecoder();
  const frames: Frame[] = [];
  socket.on('error', () => {});
  socket.on('connect', () => {
    socket.write(encodeFrame(Kind.Hello, 0, { versions: [1], client: 'raw', nonce }));
    send(undefined, (b) => socket.write(b), () => socket.end());
  });
  socket.on('data', (c) => {
    for (const f of decoder.push(c)) {
      frames.push(f);
      if (f.kind === Kind.Welcome) send(f, (b) => socket.write(b), () => socket.end());
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
    await expect(open('wrong')).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/failed to prove/) });
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
});
