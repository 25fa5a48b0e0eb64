// One client connection on the server: handshake, then requests dispatched
// to handlers, many at once, each with its own id, abort signal and log line.

import { ErrorCode, FerryError, isErrorCode } from '../protocol/errors.js';
import type { Frame } from '../protocol/frame.js';
import { ServerHandshake, type HandshakeAction, type ServerHandshakeResult } from '../protocol/handshake.js';
import { MAX_IN_FLIGHT } from '../protocol/limits.js';
import { Kind, parseRequest, WRITE_OPS, type Request } from '../protocol/messages.js';
import type { FrameConnection } from '../transport/connection.js';
import type { Handler, RequestContext, ServerServices } from './context.js';
import { handlers } from './handlers/index.js';
import { IncomingStream, uploadCancelled } from './incoming.js';
import { SendBudget } from './send-budget.js';
import { Turns } from './turns.js';
import { SERVER_NAME } from '../version.js';

interface InFlight {
  controller: AbortController;
  incoming?: IncomingStream;
  done: Promise<void>;
}

/** The default for ServerLimits.handshakeMs (the server's timer enforces it, from accept). */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * Requests that hold a file (and a share of the connection's send budget) while they run.
 * A read holds up to 1 MiB of it besides: 64 of them at once would be 64 MiB.
 */
const TRANSFER_OPS: ReadonlySet<string> = new Set(['download', 'udp', 'upload', 'copy', 'batch', 'read']);
/** Requests that walk the share (a listing, a keyword search, check-all, a folder copied). */
const WALK_OPS: ReadonlySet<string> = new Set(['list', 'hashall', 'copy']);
/** Does this request walk a tree (and so take a walk turn)? A recursive remove does; one file's does not. */
const walks = (r: Request) => WALK_OPS.has(r.op) || (r.op === 'remove' && r.recursive === true);

export interface SessionHooks {
  /** The peer completed the handshake (proved the token, or none is needed). */
  onAuthenticated?: () => void;
}

export class Session {
  private state: 'handshake' | 'ready' | 'closing' = 'handshake';
  private readonly inFlight = new Map<number, InFlight>();
  private readonly handshake: ServerHandshake;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly transferSlots: Turns;
  private readonly budget: SendBudget;
  private readonly walkSlots: Turns;

  constructor(
    private readonly conn: FrameConnection,
    private readonly services: ServerServices,
    shareName: string,
    private readonly hooks: SessionHooks = {},
  ) {
    this.transferSlots = new Turns(services.limits.transfersPerConnection);
    this.budget = new SendBudget(conn, services.limits, services.counters, (error) => this.logConnectionError(error));
    this.walkSlots = new Turns(services.limits.walksPerConnection);
    // 'blake3': downloads may be checked by chunk hashes (check: 'blake3' in the request).
    // 'list-blake3': a listing may carry each file's root (ListRequest.blake3).
    // 'watch': folders can be followed (the watch op).
    // 'batch': many small files in one request.
    const features = ['list', 'hash', 'download', 'logs', 'blake3', 'list-blake3', 'watch', 'batch'];
    // 'write': mkdir, move, remove, copy; 'upload' stays for clients that know only it.
    if (services.allowWrite) features.push('upload', 'write');
    if (services.udp) features.push('udp');
    this.handshake = new ServerHandshake({
      token: services.token,
      offer: { server: SERVER_NAME, share: shareName, features, udpPort: services.udp?.port },
    });
    conn.on('frame', (frame) => {
      this.armIdle();
      this.onFrame(frame);
    });
    conn.on('protocolError', (err) => this.logConnectionError(err));
    conn.on('close', () => {
      clearTimeout(this.idleTimer);
      for (const req of this.inFlight.values()) {
        req.controller.abort(new FerryError(ErrorCode.ConnectionLost, 'client disconnected'));
        req.incoming?.fail(new FerryError(ErrorCode.ConnectionLost, 'client disconnected mid-upload'));
      }
    });
  }

  /**
   * The handshake deadline passed (the server times it from accept): say why,
   * log it, and close. A peer that ignores the close must not keep the socket.
   */
  expireHandshake(): void {
    if (this.state !== 'handshake') return;
    this.apply(this.handshake.expire(this.services.limits.handshakeMs));
    setTimeout(() => this.conn.destroy(), 1000).unref();
  }

  /** Stop taking requests; resolves when the in-flight ones have finished. */
  async drain(): Promise<void> {
    if (this.state !== 'closing') {
      this.state = 'closing';
      this.conn.send(Kind.GoAway, 0, { message: 'server is shutting down' });
    }
    await Promise.allSettled([...this.inFlight.values()].map((r) => r.done));
  }

  /** Abort whatever is still running (after the shutdown grace period). */
  abortAll(): void {
    for (const req of this.inFlight.values()) {
      req.controller.abort(new FerryError(ErrorCode.ShuttingDown, 'server is shutting down'));
    }
  }

  /**
   * Closes a connection that has nothing in flight and has sent no complete
   * frame for the idle limit: a forgotten client, or one trickling a frame a
   * byte at a time to hold server memory.
   */
  private armIdle(): void {
    clearTimeout(this.idleTimer);
    const { idleMs } = this.services.limits;
    this.idleTimer = setTimeout(() => {
      if (this.inFlight.size > 0) return this.armIdle();
      this.fatal(new FerryError(ErrorCode.Timeout, `idle for ${Math.round(idleMs / 1000)} s`));
      setTimeout(() => this.conn.destroy(), 1000).unref();
    }, idleMs);
    this.idleTimer.unref();
  }

  private onFrame(frame: Frame): void {
    if (this.state === 'handshake') return this.apply(this.handshake.receive(frame));
    switch (frame.kind) {
      case Kind.Request:
        return this.onRequest(frame);
      case Kind.Data:
        return this.onUploadData(frame);
      case Kind.End:
        this.inFlight.get(frame.id)?.incoming?.end();
        return;
      case Kind.Cancel: {
        const req = this.inFlight.get(frame.id);
        req?.controller.abort(new FerryError(ErrorCode.Cancelled, 'cancelled by the client'));
        req?.incoming?.fail(uploadCancelled());
        return;
      }
      case Kind.Ping:
        this.budget.sendNow(Kind.Pong, frame.id, frame.header);
        return;
      default:
        return this.fatal(new FerryError(ErrorCode.BadFrame, `unexpected frame kind ${frame.kind} from a client`));
    }
  }

  /** Carry out what the handshake engine asks: its frames, then success or a refusal. */
  private apply(actions: HandshakeAction<ServerHandshakeResult>[]): void {
    for (const action of actions) {
      if (action.type === 'send') this.conn.send(action.frame.kind, 0, action.frame.header);
      else if (action.type === 'fail') this.fatal(action.error);
      else this.ready();
    }
  }

  private ready(): void {
    this.hooks.onAuthenticated?.();
    this.armIdle();
    this.state = 'ready';
  }

  private onRequest(frame: Frame): void {
    const { id } = frame;
    if (id === 0) return this.fatal(new FerryError(ErrorCode.BadFrame, 'request id 0 is reserved'));
    if (this.inFlight.has(id)) return this.fatal(new FerryError(ErrorCode.BadFrame, `request id ${id} is already in use`));
    if (this.state === 'closing') return this.refuse(id, frame.header, new FerryError(ErrorCode.ShuttingDown, 'server is shutting down'));
    if (this.inFlight.size >= MAX_IN_FLIGHT) {
      return this.refuse(id, frame.header, new FerryError(ErrorCode.TooManyRequests, `more than ${MAX_IN_FLIGHT} requests in flight on one connection`));
    }
    let request: Request;
    try {
      request = parseRequest(frame.header);
    } catch (err) {
      return this.refuse(id, frame.header, err as FerryError);
    }
    if (WRITE_OPS.has(request.op) && !this.services.allowWrite) {
      return this.refuse(id, frame.header, new FerryError(ErrorCode.ReadOnly, 'this server is read-only (start it with --allow-write to allow changes)'));
    }
    const controller = new AbortController();
    const entry: InFlight = { controller, done: Promise.resolve() };
    if (request.op === 'upload') {
      entry.incoming = new IncomingStream(
        () => this.conn.pause(),
        () => this.conn.resume(),
      );
    }
    this.inFlight.set(id, entry);
    entry.done = this.run(id, request, entry).finally(() => this.inFlight.delete(id));
  }

  private async run(id: number, request: Request, entry: InFlight): Promise<void> {
    const started = performance.now();
    const { services, conn } = this;
    services.counters.requests++;
    let bytes = 0;
    const notes: Record<string, unknown> = {};
    const ctx: RequestContext = {
      id,
      client: conn.remote,
      request,
      signal: entry.controller.signal,
      services,
      ...(conn.secure ? { udpKeyFor: (sessionId: string) => conn.udpKey(sessionId)! } : {}),
      item: async (header, payload) => {
        this.budget.sendNow(Kind.Item, id, header, payload);
        // A walk or a log tail goes on only as the client takes what it was sent.
        await this.budget.drained();
      },
      data: async (payload) => {
        // DATA can wait: it goes out only once the connection has drained, so
        // several transfers on one connection queue one chunk each at most,
        // and the handler does not read its next chunk before this one left.
        const { signal } = entry.controller;
        if (signal.aborted) throw signal.reason;
        await this.budget.drained();
        if (signal.aborted) throw signal.reason;
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        conn.send(Kind.Data, id, undefined, payload, release);
        await this.budget.drained();
        // The handler may reuse the payload's memory once this resolves.
        await released;
      },
      incoming: () => entry.incoming ?? emptyIncoming(),
      countBytes: (n) => (bytes += n),
      note: (fields) => Object.assign(notes, fields),
    };
    const handler = handlers[request.op] as Handler;
    const transfer = TRANSFER_OPS.has(request.op);
    let outcome: string = 'ok';
    let message: string | undefined;
    let releaseTurn: (() => void) | undefined;
    const releaseWalk: Array<() => void> = [];
    try {
      if (transfer) {
        releaseTurn = await this.transferSlots.acquire(entry.controller.signal);
        services.counters.transfers++;
      }
      if (walks(request)) {
        // One walk at a time per connection (the rest wait here, holding nothing),
        // then a turn among the server's walks, or a clear refusal when too many wait.
        releaseWalk.push(await this.walkSlots.acquire(entry.controller.signal));
        releaseWalk.push(await services.walks.acquire(entry.controller.signal));
      }
      const reply = await handler(ctx);
      this.budget.sendNow(Kind.Reply, id, reply);
    } catch (err) {
      const error = toFerryError(err);
      outcome = error.code;
      message = error.message;
      services.counters.errors++;
      this.budget.sendNow(Kind.Error, id, { code: error.code, message: error.message });
    } finally {
      if (releaseTurn) {
        services.counters.transfers--;
        releaseTurn();
      }
      for (const release of releaseWalk.reverse()) release();
    }
    const { op, ...args } = request;
    services.log.append({
      time: new Date().toISOString(),
      client: conn.remote,
      command: op,
      args: { ...args, ...notes },
      outcome,
      bytes,
      ms: Math.round((performance.now() - started) * 100) / 100,
      ...(message ? { message } : {}),
    });
  }

  private onUploadData(frame: Frame): void {
    const incoming = this.inFlight.get(frame.id)?.incoming;
    // DATA for a finished or cancelled upload is dropped: it may have been in flight already.
    if (incoming) {
      this.services.counters.bytesReceived += frame.payload.length;
      incoming.push(frame.payload);
    }
  }

  /** Answer a request that never started, and log it like any other. */
  private refuse(id: number, header: Record<string, unknown>, error: FerryError): void {
    this.services.counters.errors++;
    this.budget.sendNow(Kind.Error, id, { code: error.code, message: error.message });
    this.services.log.append({
      time: new Date().toISOString(),
      client: this.conn.remote,
      command: typeof header.op === 'string' ? header.op.slice(0, 40) : '?',
      args: {},
      outcome: error.code,
      bytes: 0,
      ms: 0,
      message: error.message,
    });
  }

  /** A broken conversation: say why, log it, and close the connection. */
  private fatal(error: FerryError): void {
    this.conn.send(Kind.Error, 0, { code: error.code, message: error.message });
    this.logConnectionError(error);
    this.state = 'closing';
    this.conn.end();
  }

  private logConnectionError(error: FerryError): void {
    this.services.counters.errors++;
    this.services.log.append({
      time: new Date().toISOString(),
      client: this.conn.remote,
      command: 'connection',
      args: {},
      outcome: error.code,
      bytes: 0,
      ms: 0,
      message: error.message,
    });
  }
}

function toFerryError(err: unknown): FerryError {
  if (err instanceof FerryError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new FerryError(ErrorCode.NotFound, 'no such file');
  if (code === 'ENOSPC') return new FerryError(ErrorCode.NoSpace, 'the server is out of disk space');
  if (code === 'EACCES' || code === 'EPERM') return new FerryError(ErrorCode.Forbidden, 'permission denied on the server');
  if (typeof code === 'string' && isErrorCode(code)) return new FerryError(code, String((err as Error).message));
  return new FerryError(ErrorCode.Internal, `internal error: ${err instanceof Error ? err.message : String(err)}`);
}

async function* emptyIncoming(): AsyncGenerator<Buffer> {}
