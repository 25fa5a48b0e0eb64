// The handshake engines, on their own: the exact frames each exchange puts
// on the wire (as bytes, from pinned nonces), every refusal with its code and
// message, frames out of order, and garbage, which ends in a coded `fail`
// and never a throw.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode, FerryError, isErrorCode } from '../../src/protocol/errors.js';
import { encodeFrame } from '../../src/protocol/frame.js';
import { type HandshakeAction, type HandshakeInput, ServerHandshake, type ServerHandshakeOptions } from '../../src/protocol/handshake.js';
import { ClientHandshake, type ClientHandshakeOptions } from '../../src/protocol/handshake-client.js';
import { Kind } from '../../src/protocol/messages.js';

const TOKEN = 'correct horse battery staple';
const CN = 'c1'.repeat(32); // the client's nonce
const SN = '5e'.repeat(32); // the server's nonce
// HMAC-SHA256(TOKEN, "ferry-v1-client\n" + SN + "\n" + CN) and (…"server\n" + CN + "\n" + SN), per docs/protocol.md.
const PC = 'bbdbb10eeeef25c492d285463173f82d3fa4859df0580530c66c9594791f20ed';
const PS = '9b2cce5578d2e31e40354b4e3fdc87c1967ede8d06ff2a955bb5194fb22e48ef';
const OFFER = { server: 'ferry/9.9.9', share: 'share', features: ['list', 'hash', 'download', 'logs'] };

const client = (options: Partial<ClientHandshakeOptions> = {}) => new ClientHandshake({ address: 'h:1', client: 'ferry/test', nonce: () => CN, ...options });
const server = (options: Partial<ServerHandshakeOptions> = {}) => new ServerHandshake({ offer: OFFER, nonce: () => SN, ...options });

/** A frame as bytes, its header given as the exact JSON text: pins field order and spelling. */
function wire(kind: number, json: string): string {
  const header = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(11);
  prefix.writeUInt32BE(7 + header.length, 0);
  prefix.writeUInt8(kind, 4);
  prefix.writeUInt32BE(0, 5);
  prefix.writeUInt16BE(header.length, 9);
  return Buffer.concat([prefix, header]).toString('hex');
}

type Line = { from: 'client' | 'server'; bytes: string };

/**
 * Run both engines against each other. A server `fail` goes to the client as
 * the ERROR frame the server sends for it (id 0, code and message).
 */
function converse(c: ClientHandshake, s: ServerHandshake) {
  const lines: Line[] = [];
  const outcome: { client?: HandshakeAction<unknown>; server?: HandshakeAction<unknown> } = {};
  const queue: Array<{ to: 'client' | 'server'; frame: HandshakeInput }> = [];
  const take = (from: 'client' | 'server', actions: HandshakeAction<unknown>[]) => {
    const to = from === 'client' ? 'server' : 'client';
    for (const a of actions) {
      if (a.type === 'send') {
        lines.push({ from, bytes: encodeFrame(a.frame.kind, 0, a.frame.header).toString('hex') });
        queue.push({ to, frame: { kind: a.frame.kind, header: JSON.parse(JSON.stringify(a.frame.header)) } });
      } else {
        outcome[from] = a;
        if (a.type === 'fail' && from === 'server') {
          const header = { code: a.error.code, message: a.error.message };
          lines.push({ from, bytes: encodeFrame(Kind.Error, 0, header).toString('hex') });
          queue.push({ to, frame: { kind: Kind.Error, header } });
        }
      }
    }
  };
  take('client', c.start());
  while (queue.length > 0) {
    const { to, frame } = queue.shift()!;
    // Once a side has failed it closes: nothing more reaches it.
    if (outcome[to]?.type === 'fail') continue;
    take(to, to === 'client' ? c.receive(frame) : s.receive(frame));
  }
  return { lines, client: outcome.client, server: outcome.server };
}

const HELLO = `{"versions":[2],"client":"ferry/test","nonce":"${CN}"}`;

describe('handshake vectors', () => {
  it('with a token: HELLO, WELCOME asking for proof, our proof, the server proof with the share', () => {
    const r = converse(client({ token: TOKEN }), server({ token: TOKEN }));
    expect(r.lines).toEqual([
      { from: 'client', bytes: wire(Kind.Hello, HELLO) },
      { from: 'server', bytes: wire(Kind.Welcome, `{"version":2,"server":"ferry/9.9.9","auth":"token","nonce":"${SN}"}`) },
      { from: 'client', bytes: wire(Kind.Auth, `{"proof":"${PC}"}`) },
      {
        from: 'server',
        bytes: wire(
          Kind.Auth,
          `{"version":2,"server":"ferry/9.9.9","share":"share","features":["list","hash","download","logs"],"auth":"token","proof":"${PS}"}`,
        ),
      },
    ]);
    expect(r.server).toEqual({ type: 'done', result: { version: 2, auth: 'token', client: 'ferry/test' } });
    // The client gets the server's fields without the proof.
    expect(r.client).toEqual({
      type: 'done',
      result: { version: 2, server: 'ferry/9.9.9', share: 'share', features: ['list', 'hash', 'download', 'logs'], auth: 'token' },
    });
  });

  it('without a token: HELLO and a WELCOME that tells all (udpPort only when there is one)', () => {
    const r = converse(client(), server({ offer: { ...OFFER, features: ['list', 'udp'], udpPort: 4000 } }));
    expect(r.lines).toEqual([
      { from: 'client', bytes: wire(Kind.Hello, HELLO) },
      {
        from: 'server',
        bytes: wire(Kind.Welcome, `{"version":2,"server":"ferry/9.9.9","share":"share","features":["list","udp"],"udpPort":4000,"auth":"none"}`),
      },
    ]);
    expect(r.server).toEqual({ type: 'done', result: { version: 2, auth: 'none', client: 'ferry/test' } });
    expect(r.client).toMatchObject({ type: 'done', result: { version: 2, share: 'share', udpPort: 4000, auth: 'none' } });

    const bare = converse(client(), server());
    expect(bare.lines[1]).toEqual({
      from: 'server',
      bytes: wire(Kind.Welcome, `{"version":2,"server":"ferry/9.9.9","share":"share","features":["list","hash","download","logs"],"auth":"none"}`),
    });
  });

  it('answers a version-1 client when there is no token', () => {
    const s = server();
    const actions = s.receive({ kind: Kind.Hello, header: { versions: [1], client: 'ferry/0.1' } });
    expect(actions).toEqual([
      { type: 'send', frame: { kind: Kind.Welcome, header: expect.objectContaining({ version: 1, share: 'share', auth: 'none' }) } },
      { type: 'done', result: { version: 1, auth: 'none', client: 'ferry/0.1' } },
    ]);
    expect(encodeFrame(Kind.Welcome, 0, (actions[0] as { frame: { header: object } }).frame.header).toString('hex')).toBe(
      wire(Kind.Welcome, `{"version":1,"server":"ferry/9.9.9","share":"share","features":["list","hash","download","logs"],"auth":"none"}`),
    );
    // Offered both, it picks the newest.
    expect(server().receive({ kind: Kind.Hello, header: { versions: [1, 2, 7] } })[1]).toMatchObject({ type: 'done', result: { version: 2 } });
  });

  it('refuses a version-1 client when there is a token: version 1 had the server prove first', () => {
    const s = server({ token: TOKEN });
    expect(s.receive({ kind: Kind.Hello, header: { versions: [1], client: 'old', nonce: CN } })).toEqual([
      {
        type: 'fail',
        error: new FerryError(ErrorCode.UnsupportedVersion, 'this server speaks protocol version 2 (this server requires a token); the client offered 1'),
      },
    ]);
    expect(s.pending).toBe(false);
    expect(server().receive({ kind: Kind.Hello, header: { versions: [7, 9] } })).toMatchObject([
      { type: 'fail', error: { code: 'UNSUPPORTED_VERSION', message: 'this server speaks protocol versions 2, 1; the client offered 7, 9' } },
    ]);
  });

  it('a wrong token: the server says so and proves nothing; the client reports the refusal', () => {
    const r = converse(client({ token: 'a wrong token, quite long' }), server({ token: TOKEN }));
    expect(r.lines.map((l) => l.from)).toEqual(['client', 'server', 'client', 'server']);
    expect(r.lines[3]!.bytes).toBe(wire(Kind.Error, '{"code":"UNAUTHORIZED","message":"wrong token"}'));
    expect(r.server).toEqual({ type: 'fail', error: new FerryError(ErrorCode.Unauthorized, 'wrong token') });
    expect(r.client).toEqual({ type: 'fail', error: new FerryError(ErrorCode.Unauthorized, 'h:1 refused the token: wrong token') });
  });

  it('a client without a token meets a token server: it says what is missing and sends nothing more', () => {
    const r = converse(client(), server({ token: TOKEN }));
    expect(r.lines.map((l) => l.from)).toEqual(['client', 'server']);
    expect(r.client).toMatchObject({ type: 'fail', error: { code: 'UNAUTHORIZED', message: 'h:1 requires a token (pass --token or set FERRY_TOKEN)' } });
  });

  it('a client with a token refuses a server that does not ask for one', () => {
    const r = converse(client({ token: TOKEN }), server());
    expect(r.client).toMatchObject({ type: 'fail', error: { code: 'UNAUTHORIZED', message: expect.stringMatching(/does not ask for a token/) } });
  });

  it('a client refuses a server proof that is missing or wrong, and a WELCOME without a proper nonce', () => {
    for (const proof of [undefined, '00'.repeat(32), PC]) {
      const c = client({ token: TOKEN });
      c.start();
      expect(c.receive({ kind: Kind.Welcome, header: { version: 2, auth: 'token', nonce: SN } })).toEqual([
        { type: 'send', frame: { kind: Kind.Auth, header: { proof: PC } } },
      ]);
      expect(c.receive({ kind: Kind.Auth, header: { version: 2, share: 's', auth: 'token', ...(proof ? { proof } : {}) } })).toMatchObject([
        { type: 'fail', error: { code: 'UNAUTHORIZED', message: 'h:1 failed to prove it knows the token: not the server you meant' } },
      ]);
    }
    for (const nonce of [undefined, 'AB'.repeat(32), 'ab'.repeat(31), 42]) {
      const c = client({ token: TOKEN });
      c.start();
      expect(c.receive({ kind: Kind.Welcome, header: { version: 2, auth: 'token', nonce } })).toMatchObject([
        { type: 'fail', error: { code: 'UNAUTHORIZED', message: expect.stringMatching(/without a proper nonce/) } },
      ]);
    }
  });

  it('a server with a token refuses a HELLO without a nonce', () => {
    expect(server({ token: TOKEN }).receive({ kind: Kind.Hello, header: { versions: [2] } })).toMatchObject([
      { type: 'fail', error: { code: 'UNAUTHORIZED', message: 'this server requires a token: the client sent no nonce' } },
    ]);
  });
});

describe('frames out of order', () => {
  it('the server wants HELLO first, then only a correct AUTH, and nothing once it is over', () => {
    expect(server().receive({ kind: Kind.Auth, header: { proof: PC } })).toMatchObject([
      { type: 'fail', error: { code: 'BAD_FRAME', message: 'the first frame must be HELLO' } },
    ]);
    expect(server().receive({ kind: Kind.Request, header: { op: 'list' } })).toMatchObject([{ type: 'fail', error: { code: 'BAD_FRAME' } }]);
    // With a token, a request (or a second HELLO) in place of AUTH is the same refusal as a wrong proof.
    for (const early of [
      { kind: Kind.Request, header: { op: 'hash', path: 'secret.txt' } },
      { kind: Kind.Hello, header: { versions: [2], nonce: CN } },
    ]) {
      const s = server({ token: TOKEN });
      s.receive({ kind: Kind.Hello, header: { versions: [2], nonce: CN } });
      expect(s.receive(early)).toEqual([{ type: 'fail', error: new FerryError(ErrorCode.Unauthorized, 'wrong token') }]);
    }
    const done = server();
    done.receive({ kind: Kind.Hello, header: { versions: [2] } });
    expect(done.pending).toBe(false);
    expect(done.receive({ kind: Kind.Hello, header: { versions: [2] } })).toMatchObject([{ type: 'fail', error: { code: 'BAD_FRAME' } }]);
  });

  it('the client takes nothing before its HELLO, no AUTH before WELCOME, and no second WELCOME', () => {
    const early = client();
    expect(early.receive({ kind: Kind.Welcome, header: { version: 2, auth: 'none' } })).toMatchObject([
      { type: 'fail', error: { code: 'UNAUTHORIZED', message: 'h:1 broke the handshake (frame kind 2); refusing' } },
    ]);
    const c = client({ token: TOKEN });
    c.start();
    expect(c.receive({ kind: Kind.Auth, header: { proof: PS } })).toMatchObject([
      { type: 'fail', error: { message: expect.stringMatching(/broke the handshake/) } },
    ]);
    const twice = client({ token: TOKEN });
    twice.start();
    twice.receive({ kind: Kind.Welcome, header: { auth: 'token', nonce: SN } });
    expect(twice.receive({ kind: Kind.Welcome, header: { auth: 'token', nonce: SN } })).toMatchObject([
      { type: 'fail', error: { message: expect.stringMatching(/broke the handshake/) } },
    ]);
    expect(c.start()).toEqual([]); // HELLO goes once
  });

  it("the client passes on a server's ERROR with its code", () => {
    const c = client();
    c.start();
    expect(c.receive({ kind: Kind.Error, header: { code: 'TOO_MANY_REQUESTS', message: 'server busy: full' } })).toEqual([
      { type: 'fail', error: new FerryError(ErrorCode.TooManyRequests, 'server busy: full') },
    ]);
  });
});

describe('the deadline', () => {
  it('is the caller’s timer; the engine says what to tell a peer that ran out of it', () => {
    const s = server({ token: TOKEN });
    s.receive({ kind: Kind.Hello, header: { versions: [2], nonce: CN } });
    expect(s.expire(10_000)).toEqual([{ type: 'fail', error: new FerryError(ErrorCode.Timeout, 'no handshake within 10 s') }]);
    expect(server().expire(300)).toMatchObject([{ type: 'fail', error: { message: 'no handshake within 0.3 s' } }]);
    const done = server();
    done.receive({ kind: Kind.Hello, header: { versions: [2] } });
    expect(done.expire(10_000)).toEqual([]);
  });
});

describe('garbage', () => {
  const kind = fc.oneof(fc.constantFrom(...Object.values(Kind)), fc.integer({ min: -1, max: 300 }));
  const header = fc.oneof(
    fc.anything(),
    fc.record({ versions: fc.anything(), nonce: fc.anything(), client: fc.anything() }, { requiredKeys: [] }),
    fc.record({ auth: fc.constantFrom('token', 'none', 7), nonce: fc.oneof(fc.constant(SN), fc.anything()), proof: fc.anything() }, { requiredKeys: [] }),
    fc.record({ code: fc.anything(), message: fc.anything() }, { requiredKeys: [] }),
  );
  const frames = fc.array(fc.record({ kind, header }), { maxLength: 6 });

  /** Every action is well-formed, at most one ends the handshake, and a fail carries a FerryError. */
  function checkActions(all: HandshakeAction<unknown>[][], knownCodes: boolean): void {
    const endings = all.flat().filter((a) => a.type !== 'send');
    expect(endings.filter((a) => a.type === 'done').length).toBeLessThanOrEqual(1);
    for (const a of endings) {
      if (a.type !== 'fail') continue;
      expect(a.error).toBeInstanceOf(FerryError);
      expect(typeof a.error.code).toBe('string');
      if (knownCodes) expect(isErrorCode(a.error.code)).toBe(true);
    }
  }

  it('a server engine fed anything never throws, and fails with a known code', () => {
    fc.assert(
      fc.property(fc.boolean(), frames, (withToken, input) => {
        const s = server(withToken ? { token: TOKEN } : {});
        const out = input.map((f) => s.receive(f as HandshakeInput));
        checkActions(out, true);
      }),
      { numRuns: 500 },
    );
  });

  it('a client engine fed anything never throws, and fails with a FerryError', () => {
    fc.assert(
      fc.property(fc.boolean(), frames, (withToken, input) => {
        const c = client(withToken ? { token: TOKEN } : {});
        const out = [c.start(), ...input.map((f) => c.receive(f as HandshakeInput))];
        // The code of a server's ERROR is the server's, so only its type is certain.
        checkActions(out, false);
      }),
      { numRuns: 500 },
    );
  });
});
