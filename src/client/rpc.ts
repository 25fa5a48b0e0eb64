// The client's side of one connection: handshake, then requests multiplexed
// by id. Each request gets its ITEM/DATA frames through callbacks and ends
// with a REPLY (resolve) or an ERROR (reject with the server's code).

import { ErrorCode, FerryError } from '../protocol/errors.js';
import type { Frame } from '../protocol/frame.js';
import { ClientHandshake } from '../protocol/handshake-client.js';
import { Kind, parseErrorBody, type ErrorBody, type Request, type Welcome } from '../protocol/messages.js';
import type { FrameConnection } from '../transport/connection.js';
import { dial } from '../transport/dial.js';
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

  /** Connect and complete the handshake (protocol/handshake.ts, driven by transport/dial.ts). */
  static async open(options: RpcOptions): Promise<RpcConnection> {
    const address = `${options.host}:${options.port}`;
    const handshake = new ClientHandshake({ address, client: `ferry/${VERSION}`, token: options.token });
    const { conn, result, tls } = await dial(
      {
        host: options.host,
        port: options.port,
        timeoutMs: options.connectTimeoutMs,
        allocate: options.allocate,
        tls: options.tls,
        fingerprint: options.fingerprint,
        knownServersFile: options.knownServersFile,
      },
      {
        start: () => handshake.start(),
        // A refusal may quote the server: its text is escaped like every server text.
        receive: (frame) => handshake.receive(frame).map((a) => (a.type === 'fail' ? { type: 'fail', error: shownError(a.error) } : a)),
      },
    );
    return new RpcConnection(conn, welcomeFrom(result), address, tls);
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

/** A coded error whose text may be the server's, escaped for showing. */
function shownError(error: FerryError): FerryError {
  return new FerryError(escapeControls(error.code) as ErrorCode, escapeControls(error.message));
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
