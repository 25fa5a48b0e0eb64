// The handshake (HELLO, WELCOME, AUTH; docs/protocol.md) as two pure engines,
// one per side: decoded frames in, actions out. No socket, no timer: the
// caller sends what it is told to, arms its own deadline, and closes the
// connection on a `fail`. Both engines never throw; whatever they are fed,
// a bad frame ends in a `fail` carrying a coded FerryError. This file has
// what both share and the server's engine; the client's is in
// handshake-client.ts.

import { clientProof, newNonce, proofsEqual, serverProof } from './auth.js';
import { ErrorCode, FerryError } from './errors.js';
import { PROTOCOL_VERSION, TOKENLESS_VERSIONS } from './limits.js';
import { Kind, parseHello, type Hello } from './messages.js';

/** The one frame a handshake step asks to send (its request id is always 0). */
export interface HandshakeFrame {
  kind: Kind;
  header: Record<string, unknown>;
}

/**
 * What to do next. `send`: write the frame. `done`: the handshake succeeded
 * (any `send` before it in the same list still goes out first). `fail`: close
 * the connection; a server first answers with `ERROR {code, message}` (id 0).
 */
export type HandshakeAction<Result> = { type: 'send'; frame: HandshakeFrame } | { type: 'done'; result: Result } | { type: 'fail'; error: FerryError };

/** What both engines take: decoded frames (only `kind` and `header` matter here). */
export interface HandshakeInput {
  kind: number;
  header: unknown;
}

type Obj = Record<string, unknown>;
/** @internal A header that is a JSON object (anything else reads as an empty one). */
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** @internal Anything thrown inside a step, as the coded error a `fail` carries. */
export function coded(err: unknown): FerryError {
  return err instanceof FerryError ? err : new FerryError(ErrorCode.BadFrame, `malformed handshake frame: ${err instanceof Error ? err.message : String(err)}`);
}

// ---- server ----------------------------------------------------------------

/** What the server tells a client that got in: WELCOME's (or AUTH's) fields beyond the version. */
export interface ServerOffer {
  /** The server's name and version, e.g. ferry/1.2.0. */
  server: string;
  /** The share's display name. */
  share: string;
  features: string[];
  udpPort?: number | undefined;
}

export interface ServerHandshakeOptions {
  /** The shared secret; without one the server is open and answers version 1 too. */
  token?: string | undefined;
  offer: ServerOffer;
  /** Fresh randomness for the server nonce (default: 32 random bytes in hex); tests pin it. */
  nonce?: () => string;
}

export interface ServerHandshakeResult {
  version: number;
  auth: 'none' | 'token';
  /** The client's self-description from HELLO (at most 100 characters, as sent). */
  client: string;
}

export class ServerHandshake {
  private state: 'hello' | 'auth' | 'done' | 'failed' = 'hello';
  private hello: Hello | undefined;
  private expectedProof = '';
  /** Sent only once the client has proved it knows the token. */
  private ourProof = '';

  constructor(private readonly options: ServerHandshakeOptions) {}

  /** True until the handshake has succeeded or failed. */
  get pending(): boolean {
    return this.state === 'hello' || this.state === 'auth';
  }

  /** The next frame from the client. */
  receive(frame: HandshakeInput): HandshakeAction<ServerHandshakeResult>[] {
    try {
      if (this.state === 'hello') return this.onHello(frame);
      if (this.state === 'auth') return this.onAuth(frame);
      return this.fail(new FerryError(ErrorCode.BadFrame, 'the handshake is already over'));
    } catch (err) {
      return this.fail(coded(err));
    }
  }

  /** The caller's deadline passed before the client finished: what to tell it. */
  expire(afterMs: number): HandshakeAction<ServerHandshakeResult>[] {
    if (!this.pending) return [];
    return this.fail(new FerryError(ErrorCode.Timeout, `no handshake within ${seconds(afterMs)} s`));
  }

  private onHello(frame: HandshakeInput): HandshakeAction<ServerHandshakeResult>[] {
    if (frame.kind !== Kind.Hello) return this.fail(new FerryError(ErrorCode.BadFrame, 'the first frame must be HELLO'));
    const hello = parseHello(frame.header);
    const { token } = this.options;
    const version = (token ? [PROTOCOL_VERSION] : TOKENLESS_VERSIONS).find((v) => hello.versions.includes(v));
    if (version === undefined) {
      const speaks = token ? `protocol version ${PROTOCOL_VERSION} (this server requires a token)` : `protocol versions ${TOKENLESS_VERSIONS.join(', ')}`;
      return this.fail(new FerryError(ErrorCode.UnsupportedVersion, `this server speaks ${speaks}; the client offered ${hello.versions.join(', ')}`));
    }
    this.hello = hello;
    if (!token) return this.ready('none', version);
    // Ask for the client's proof first and tell nothing else: not the share,
    // and no proof of our own. A proof is a value derived from the token, and
    // one handed to anyone who says HELLO could be used to test guesses of
    // the token offline; ours goes only to a client that proved itself.
    if (!hello.nonce) return this.fail(new FerryError(ErrorCode.Unauthorized, 'this server requires a token: the client sent no nonce'));
    const nonce = (this.options.nonce ?? newNonce)();
    this.expectedProof = clientProof(token, hello.nonce, nonce);
    this.ourProof = serverProof(token, hello.nonce, nonce);
    this.state = 'auth';
    return [{ type: 'send', frame: { kind: Kind.Welcome, header: { version, server: this.options.offer.server, auth: 'token', nonce } } }];
  }

  private onAuth(frame: HandshakeInput): HandshakeAction<ServerHandshakeResult>[] {
    // Anything but a correct AUTH (a request, a second HELLO) is the same refusal.
    if (frame.kind !== Kind.Auth || !isObj(frame.header) || !proofsEqual(this.expectedProof, frame.header.proof)) {
      return this.fail(new FerryError(ErrorCode.Unauthorized, 'wrong token'));
    }
    return this.ready('token', PROTOCOL_VERSION);
  }

  private ready(auth: 'none' | 'token', version: number): HandshakeAction<ServerHandshakeResult>[] {
    this.state = 'done';
    const { server, share, features, udpPort } = this.options.offer;
    // The field order is the wire's: JSON keeps it, and udpPort drops out when unset.
    const header = {
      version,
      server,
      share,
      features: [...features],
      udpPort,
      auth,
      // The client refuses to go on until this proves we know the token too.
      ...(auth === 'token' ? { proof: this.ourProof } : {}),
    };
    return [
      { type: 'send', frame: { kind: auth === 'none' ? Kind.Welcome : Kind.Auth, header } },
      { type: 'done', result: { version, auth, client: this.hello?.client ?? 'unknown' } },
    ];
  }

  private fail(error: FerryError): HandshakeAction<ServerHandshakeResult>[] {
    this.state = 'failed';
    return [{ type: 'fail', error }];
  }
}

/** Milliseconds as seconds for a message: 10000 -> "10", 300 -> "0.3". */
function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}
