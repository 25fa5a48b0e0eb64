// The client's side of the handshake (docs/protocol.md), a pure engine like
// the server's in handshake.ts: HELLO out, then each frame from the server in
// and the next step out. With a token it proves first and hands nothing over
// until the server has proved itself too.

import { clientProof, newNonce, proofsEqual, serverProof } from './auth.js';
import { ErrorCode, FerryError } from './errors.js';
import { coded, type HandshakeAction, type HandshakeInput, isObj } from './handshake.js';
import { PROTOCOL_VERSION } from './limits.js';
import { Kind, parseErrorBody } from './messages.js';

type Obj = Record<string, unknown>;

/** Lower-case hex nonces of 32 random bytes, as a client insists on. */
const SERVER_NONCE = /^[0-9a-f]{64}$/;

export interface ClientHandshakeOptions {
  /** host:port as the user named it, for messages. */
  address: string;
  /** Our self-description in HELLO, e.g. ferry/1.2.0. */
  client: string;
  token?: string | undefined;
  /** Fresh randomness for the client nonce (default: 32 random bytes in hex); tests pin it. */
  nonce?: () => string;
}

/** WELCOME's (or the closing AUTH's) header, proof removed; its free text is as the server sent it. */
export type ClientHandshakeResult = Record<string, unknown>;

export class ClientHandshake {
  /** hello: HELLO not yet sent; welcome: waiting for WELCOME; auth: our proof sent, waiting for the server's. */
  private state: 'hello' | 'welcome' | 'auth' | 'done' | 'failed' = 'hello';
  private readonly nonce: string;
  private expectedServerProof = '';

  constructor(private readonly options: ClientHandshakeOptions) {
    this.nonce = (options.nonce ?? newNonce)();
  }

  get pending(): boolean {
    return this.state !== 'done' && this.state !== 'failed';
  }

  /** The first frame, once the connection (and TLS, with its certificate check) is up. */
  start(): HandshakeAction<ClientHandshakeResult>[] {
    if (this.state !== 'hello') return [];
    this.state = 'welcome';
    return [{ type: 'send', frame: { kind: Kind.Hello, header: { versions: [PROTOCOL_VERSION], client: this.options.client, nonce: this.nonce } } }];
  }

  /** The next frame from the server. */
  receive(frame: HandshakeInput): HandshakeAction<ClientHandshakeResult>[] {
    try {
      if (!this.pending) return this.fail(ErrorCode.BadFrame, 'the handshake is already over');
      return this.step(frame);
    } catch (err) {
      return this.failWith(coded(err));
    }
  }

  private step(frame: HandshakeInput): HandshakeAction<ClientHandshakeResult>[] {
    const { address, token } = this.options;
    const header: Obj = isObj(frame.header) ? frame.header : {};
    // Token servers: we prove first, and the server's proof comes back only
    // with its AUTH answer; until that proof checks out nothing more is sent
    // and the connection is not handed to the caller.
    if (frame.kind === Kind.Welcome && header.auth === 'token' && this.state === 'welcome') {
      if (!token) return this.fail(ErrorCode.Unauthorized, `${address} requires a token (pass --token or set FERRY_TOKEN)`);
      const serverNonce = header.nonce;
      if (typeof serverNonce !== 'string' || !SERVER_NONCE.test(serverNonce)) {
        return this.fail(ErrorCode.Unauthorized, `${address} asked for a token without a proper nonce; refusing`);
      }
      this.expectedServerProof = serverProof(token, this.nonce, serverNonce);
      this.state = 'auth';
      return [{ type: 'send', frame: { kind: Kind.Auth, header: { proof: clientProof(token, this.nonce, serverNonce) } } }];
    }
    if (frame.kind === Kind.Auth && this.state === 'auth') {
      if (!proofsEqual(this.expectedServerProof, header.proof)) {
        return this.fail(ErrorCode.Unauthorized, `${address} failed to prove it knows the token: not the server you meant`);
      }
      const { proof: _proof, ...welcome } = header;
      return this.done(welcome);
    }
    if (frame.kind === Kind.Welcome && header.auth !== 'token' && this.state !== 'hello') {
      if (token) return this.fail(ErrorCode.Unauthorized, `${address} does not ask for a token, so it cannot prove it is the server you meant; refusing`);
      return this.done(header);
    }
    if (frame.kind === Kind.Error) {
      const body = parseErrorBody(header);
      const refusedToken = this.state === 'auth' && body.code === ErrorCode.Unauthorized;
      return this.failWith(new FerryError(body.code, refusedToken ? `${address} refused the token: ${body.message}` : body.message));
    }
    return this.fail(ErrorCode.Unauthorized, `${address} broke the handshake (frame kind ${frame.kind}); refusing`);
  }

  private done(welcome: Obj): HandshakeAction<ClientHandshakeResult>[] {
    this.state = 'done';
    return [{ type: 'done', result: welcome }];
  }

  private fail(code: ErrorCode, message: string): HandshakeAction<ClientHandshakeResult>[] {
    return this.failWith(new FerryError(code, message));
  }

  private failWith(error: FerryError): HandshakeAction<ClientHandshakeResult>[] {
    this.state = 'failed';
    return [{ type: 'fail', error }];
  }
}
