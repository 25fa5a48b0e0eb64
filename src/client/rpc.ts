// The client's side of one connection: handshake, then requests multiplexed
// by id. Each request gets its ITEM/DATA frames through callbacks and ends
// with a REPLY (resolve) or an ERROR (reject with the server's code).

import { connect as netConnect } from 'node:net';
import { clientProof, newNonce, proofsEqual, serverProof } from '../protocol/auth.js';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import type { Frame } from '../protocol/frame.js';
import { PROTOCOL_VERSION } from '../protocol/limits.js';
import { Kind, parseErrorBody, type ErrorBody, type Request, type Welcome } from '../protocol/messages.js';
import { FrameConnection, readInto } from '../transport/connection.js';
import { tlsConnect } from '../transport/tls.js';
import { escapeControls } from '../safe-text.js';
import { VERSION } from '../version.js';

export interface RequestHandlers {
  /** `payload`: binary results (a download's chunk list); empty for most ITEMs. */
  onItem?: (header: Record<string, unknown>, payload: Buffer) => void;
  /** `owned`: the payload memory is this frame's alone and may be transferred. */
  onData?: (payload: Buffer, owned: boolean) => void;
  signal?: AbortSignal;
}

interface Pending extends RequestHandlers {
  resolve: (reply: Record<string, unknown>) => void;
  reject: (err: Error) => void;
}

export interface RpcOptions {
  host: string;
  port: number;
  token?: string;
  connectTimeoutMs?: number;
  /** Memory for large incoming frames (see FrameDecoder); a download recycles its buffers. */
  allocate?: (bytes: number) => Buffer;
  /** TLS 1.3, with the server's certificate pinned by `fingerprint` or the known-servers file. */
  tls?: boolean;
  fingerprint?: string;
  knownServersFile?: string;
}

export class RpcConnection {
  private nextId = 1;
  private pingSeq = 0;
  private readonly pending = new Map<number, Pending>();
  private goingAway = false;
  private closedError: FerryError | undefined;
  private readonly closeListeners = new Set<(err: FerryError) => void>();

  private constructor(
    readonly conn: FrameConnection,
    readonly welcome: Welcome,
    readonly address: string,
    /** Over TLS: the server's pinned fingerprint, and whether it was trusted on first use just now. */
    readonly tls?: { fingerprint: string; firstUse: boolean },
  ) {
    conn.on('frame', (f) => this.onFrame(f));
    conn.on('close', (err) => this.onClose(err));
  }

  /** Connect and complete the handshake. */
  static async open(options: RpcOptions): Promise<RpcConnection> {
    const address = `${options.host}:${options.port}`;
    const reader = readInto();
    const secured = options.tls
      ? await tlsConnect({
          host: options.host,
          port: options.port,
          ...(options.fingerprint ? { fingerprint: options.fingerprint } : {}),
          ...(options.knownServersFile ? { knownServersFile: options.knownServersFile } : {}),
          ...(options.connectTimeoutMs ? { timeoutMs: options.connectTimeoutMs } : {}),
        }).catch((err: NodeJS.ErrnoException) => {
          throw err instanceof FerryError ? err : describeConnectError(err, address);
        })
      : undefined;
    // A TLS socket delivers its plaintext through 'data'; plain TCP reads into a fixed buffer.
    const socket = secured?.socket ?? netConnect({ host: options.host, port: options.port, onread: reader.onread });
    const conn = new FrameConnection(socket, options.allocate ? { allocate: options.allocate } : {});
    reader.attach(conn);
    const nonce = newNonce();
    const welcome = await new Promise<Welcome>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new FerryError(ErrorCode.Timeout, `cannot connect to ${address}: no answer within ${options.connectTimeoutMs ?? 10000} ms`));
      }, options.connectTimeoutMs ?? 10000);
      const fail = (err: Error) => {
        clearTimeout(timer);
        conn.off('frame', onFrame);
        reject(err);
      };
      const done = (w: Welcome) => {
        clearTimeout(timer);
        conn.off('frame', onFrame);
        resolve(w);
      };
      const refuse = (message: string) => {
        fail(new FerryError(ErrorCode.Unauthorized, message));
        conn.destroy();
      };
      // Token servers: we prove first, and the server's proof comes back only
      // with its AUTH answer; until that proof checks out nothing is sent and
      // the connection is not handed to the caller.
      let expectedServerProof: string | undefined;
      const onFrame = (f: Frame) => {
        if (f.kind === Kind.Welcome && f.header.auth === 'token' && expectedServerProof === undefined) {
          if (!options.token) return refuse(`${address} requires a token (pass --token or set FERRY_TOKEN)`);
          const serverNonce = f.header.nonce;
          if (typeof serverNonce !== 'string' || !/^[0-9a-f]{64}$/.test(serverNonce)) {
            return refuse(`${address} asked for a token without a proper nonce; refusing`);
          }
          expectedServerProof = serverProof(options.token, nonce, serverNonce);
          conn.send(Kind.Auth, 0, { proof: clientProof(options.token, nonce, serverNonce) });
        } else if (f.kind === Kind.Auth && expectedServerProof !== undefined) {
          if (!proofsEqual(expectedServerProof, f.header.proof)) {
            return refuse(`${address} failed to prove it knows the token: not the server you meant`);
          }
          const { proof: _proof, ...welcome } = f.header;
          done(welcomeFrom(welcome));
        } else if (f.kind === Kind.Welcome && f.header.auth !== 'token') {
          if (options.token) {
            return refuse(`${address} does not ask for a token, so it cannot prove it is the server you meant; refusing`);
          }
          done(welcomeFrom(f.header));
        } else if (f.kind === Kind.Error) {
          const body = serverError(f.header);
          const refusedToken = expectedServerProof !== undefined && body.code === ErrorCode.Unauthorized;
          fail(new FerryError(body.code, refusedToken ? `${address} refused the token: ${body.message}` : body.message));
          conn.destroy();
        } else {
          refuse(`${address} broke the handshake (frame kind ${f.kind}); refusing`);
        }
      };
      conn.on('frame', onFrame);
      socket.once('error', (err: NodeJS.ErrnoException) => fail(describeConnectError(err, address)));
      socket.once('close', () => fail(new FerryError(ErrorCode.ConnectionLost, `connection to ${address} closed during the handshake`)));
      const hello = () => conn.send(Kind.Hello, 0, { versions: [PROTOCOL_VERSION], client: `ferry/${VERSION}`, nonce });
      if (secured)
        hello(); // already connected and past the TLS handshake
      else socket.once('connect', hello);
    });
    return new RpcConnection(conn, welcome, address, secured ? { fingerprint: secured.fingerprint, firstUse: secured.firstUse } : undefined);
  }

  get closed(): boolean {
    return this.closedError !== undefined;
  }

  onClosed(listener: (err: FerryError) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Send a request; resolves with the REPLY header. */
  request(request: Request, handlers: RequestHandlers = {}): Promise<Record<string, unknown>> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (this.goingAway) return Promise.reject(new FerryError(ErrorCode.ShuttingDown, `${this.address} is shutting down`));
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    return new Promise((resolve, reject) => {
      const { signal } = handlers;
      if (signal?.aborted) return reject(abortError(signal));
      const onAbort = () => {
        this.conn.send(Kind.Cancel, id);
        finish();
        reject(abortError(signal!));
      };
      const finish = () => {
        this.pending.delete(id);
        signal?.removeEventListener('abort', onAbort);
      };
      this.pending.set(id, {
        ...handlers,
        resolve: (reply) => (finish(), resolve(reply)),
        reject: (err) => (finish(), reject(err)),
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.conn.send(Kind.Request, id, request);
    });
  }

  /** Start a request and get its id, for streams the client sends (uploads). */
  requestWithId(request: Request, handlers: RequestHandlers): { id: number; reply: Promise<Record<string, unknown>> } {
    const id = this.nextId;
    return { id, reply: this.request(request, handlers) };
  }

  /** Round-trip time in milliseconds. */
  async ping(): Promise<number> {
    const started = performance.now();
    const seq = ++this.pingSeq;
    await new Promise<void>((resolve, reject) => {
      const onFrame = (f: Frame) => {
        if (f.kind !== Kind.Pong || f.header.seq !== seq) return;
        this.conn.off('frame', onFrame);
        off();
        resolve();
      };
      this.conn.on('frame', onFrame);
      const off = this.onClosed((err) => (this.conn.off('frame', onFrame), off(), reject(err)));
      this.conn.send(Kind.Ping, 0, { seq });
    });
    return performance.now() - started;
  }

  close(): Promise<void> {
    if (this.closedError) return Promise.resolve();
    return new Promise((resolve) => {
      this.onClosed(() => resolve());
      this.conn.end();
      setTimeout(() => this.conn.destroy(), 1000).unref();
    });
  }

  destroy(): void {
    this.conn.destroy();
  }

  private onFrame(f: Frame): void {
    if (f.kind === Kind.GoAway) {
      this.goingAway = true;
      return;
    }
    if (f.kind === Kind.Pong) return;
    if (f.kind === Kind.Error && f.id === 0) {
      const body = serverError(f.header);
      this.closedError = new FerryError(body.code, body.message);
      return;
    }
    const p = this.pending.get(f.id);
    if (!p) return; // a late frame for a cancelled request
    switch (f.kind) {
      case Kind.Item:
        return p.onItem?.(f.header, f.payload);
      case Kind.Data:
        return p.onData?.(f.payload, f.ownsPayload);
      case Kind.Reply:
        return p.resolve(f.header);
      case Kind.Error: {
        const body = serverError(f.header);
        return p.reject(new FerryError(body.code, body.message));
      }
    }
  }

  private onClose(err: Error | undefined): void {
    const reason =
      this.closedError ??
      new FerryError(
        this.goingAway ? ErrorCode.ShuttingDown : ErrorCode.ConnectionLost,
        this.goingAway ? `${this.address} shut down` : `connection to ${this.address} lost${err ? `: ${err.message}` : ''}`,
      );
    this.closedError = reason;
    for (const p of [...this.pending.values()]) p.reject(reason);
    for (const l of this.closeListeners) l(reason);
  }
}

/** An ERROR frame's code and message, escaped: the message is shown to people as it is. */
function serverError(header: Record<string, unknown>): ErrorBody {
  const body = parseErrorBody(header);
  return { code: escapeControls(body.code) as ErrorCode, message: escapeControls(body.message) };
}

/** WELCOME's (or AUTH's) fields, the free text escaped: the server and share names are only ever shown. */
function welcomeFrom(header: Record<string, unknown>): Welcome {
  const w = header as unknown as Welcome;
  return {
    ...w,
    server: escapeControls(String(w.server ?? '')),
    share: escapeControls(String(w.share ?? '')),
    features: Array.isArray(w.features) ? w.features.map((f) => escapeControls(String(f))) : [],
  };
}

function abortError(signal: AbortSignal): Error {
  const r: unknown = signal.reason;
  return r instanceof FerryError ? r : new FerryError(ErrorCode.Cancelled, 'cancelled');
}

export function describeConnectError(err: NodeJS.ErrnoException, address: string): FerryError {
  const why: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is `ferry serve` running?)',
    ENOTFOUND: 'no such host',
    EHOSTUNREACH: 'host unreachable',
    ETIMEDOUT: 'timed out',
    ECONNRESET: 'connection reset',
  };
  return new FerryError(ErrorCode.ConnectionLost, `cannot connect to ${address}: ${why[err.code ?? ''] ?? err.message}`);
}
