// FerryClient: the typed API over a ferry server. One control connection for
// listings, hashes and logs (re-established by itself after a drop); each
// transfer gets a connection of its own so a big download never delays a
// listing, and cutting one transfer never disturbs another.

import { escapeControls, escapeDeep } from '../safe-text.js';
import type { DownloadCache } from '../cache/cache.js';
import { BLAKE3_HEX } from '../protocol/chunk-hash.js';
import { ErrorCode, FerryError, isErrorCode } from '../protocol/errors.js';
import { Failure } from './failure.js';
import type { HashRecord, LogRecord, StatReply, WireEntry } from '../protocol/messages.js';
import { downloadPath } from './download.js';
import { RpcConnection, type RpcOptions } from './rpc.js';
import { sortListing } from './listing-order.js';
import { READ_MAX_BYTES } from './read-range.js';
import { stat } from 'node:fs/promises';
import { BufferPool, type FrameMemory } from './buffer-pool.js';
import type { Lease, ServerLink } from './server-link.js';
import type {
  ConnectionStatus,
  CopyOptions,
  CopyResult,
  MkdirOptions,
  MkdirResult,
  MoveOptions,
  MoveResult,
  RemoveOptions,
  RemoveResult,
  DownloadOptions,
  DownloadResult,
  Entry,
  FerryApi,
  FollowLogsOptions,
  HashAllOptions,
  HashResult,
  ListOptions,
  ListStream,
  LogsOptions,
  ReadOptions,
  ReadResult,
  RemoteStat,
  ServerInfo,
  UploadOptions,
  UploadResult,
  WatchOptions,
} from './types.js';
import { watchFolder } from './watch.js';
import { uploadFile, uploadTree } from './upload.js';

/** How long a call waits for a lost connection to come back before it fails. */
export const RECONNECT_WAIT_MS = 30_000;
/** Retry delays while reconnecting: from the first to the longest. */
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 3000;

/** Transfer connections kept open between transfers, and for how long at most (well inside the server's idle limit). */
const MAX_SPARE = 8;
const SPARE_IDLE_MS = 10_000;

export class FerryClient implements FerryApi, ServerLink {
  private control: RpcConnection;
  private reconnecting: Promise<RpcConnection> | undefined;
  private lastError: string | undefined;
  private wakeRetry: (() => void) | undefined;
  private closed = false;
  /** Transfer connections between transfers, newest last (leaseConnection). */
  private readonly spare: RpcConnection[] = [];
  private readonly spareSince = new WeakMap<RpcConnection, number>();
  /** Whose share of `frames` each transfer connection's large frames come from: the lease's, while there is one. */
  private readonly frameOwner = new WeakMap<RpcConnection, { current: FrameMemory | undefined }>();
  /** Memory for transfers' DATA frames, recycled as the landing place writes them. */
  private readonly frames = new BufferPool();
  /** How long a call waits for a lost connection (see RECONNECT_WAIT_MS). */
  reconnectWaitMs = RECONNECT_WAIT_MS;
  private readonly statusListeners = new Set<(s: ConnectionStatus) => void>();

  constructor(
    first: RpcConnection,
    readonly options: RpcOptions,
    readonly cache: DownloadCache | null,
  ) {
    this.control = first;
    this.followControl(first);
  }

  get info(): ServerInfo {
    const w = this.control.welcome;
    return { address: this.control.address, server: w.server, share: w.share, features: w.features, version: w.version };
  }

  /** Frame slots free to take (all 64 when no transfer runs): a transfer that fails must not lose any. */
  get frameSlotsFree(): number {
    return this.frames.freeSlotCount;
  }

  /** close() was called: nothing more will be asked of the server. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Over TLS: the server's fingerprint, and whether it was trusted on first use by this connection. */
  get tls(): { fingerprint: string; firstUse: boolean } | undefined {
    return this.control.tls;
  }

  /** Open a fresh connection to the same server (for one transfer). */
  openConnection(extra: Pick<RpcOptions, 'allocate'> = {}): Promise<RpcConnection> {
    return RpcConnection.open({ ...this.options, ...extra });
  }

  async leaseConnection(): Promise<Lease> {
    let rpc: RpcConnection | undefined;
    while ((rpc = this.spare.pop()) && (rpc.closed || performance.now() - (this.spareSince.get(rpc) ?? 0) > SPARE_IDLE_MS)) rpc.destroy();
    if (!rpc) {
      // Large frames land in the memory of whichever transfer holds the connection; between leases, in plain memory.
      const owner: { current: FrameMemory | undefined } = { current: undefined };
      rpc = await this.openConnection({ allocate: (bytes) => owner.current?.take(bytes) ?? Buffer.allocUnsafeSlow(bytes) });
      this.frameOwner.set(rpc, owner);
    }
    const leased = rpc;
    const owner = this.frameOwner.get(leased)!;
    const frames = this.frames.lender();
    owner.current = frames;
    return {
      rpc: leased,
      frames,
      release: (reuse) => {
        if (owner.current === frames) owner.current = undefined;
        frames.retire();
        if (reuse && !leased.closed && !this.closed && this.spare.length < MAX_SPARE) {
          this.spareSince.set(leased, performance.now());
          this.spare.push(leased);
        } else {
          leased.destroy();
        }
      },
    };
  }

  async list(options: ListOptions = {}): Promise<Entry[]> {
    const entries: Entry[] = [];
    await this.listStream(options, { onBatch: (batch) => void entries.push(...batch) });
    // The server streams in directory order; the order people see is made here.
    return sortListing(entries);
  }

  /**
   * A listing batch by batch, as the server walks (directory order, nothing
   * kept here): for showing rows as they come, or for walking a huge tree with
   * flat memory. Aborting `signal` cancels the walk on the server too. Resolves
   * with the number of entries.
   */
  async listStream(options: ListOptions, stream: ListStream): Promise<number> {
    let count = 0;
    const { flow } = stream;
    const handlers = {
      onItem: (h: Record<string, unknown>) => {
        const batch = (h.entries as WireEntry[]).map(toEntry);
        count += batch.length;
        flow?.arrived();
        stream.onBatch(batch);
      },
      ...(stream.signal ? { signal: stream.signal } : {}),
    };
    if (!flow) {
      await (await this.rpc()).request({ op: 'list', ...options }, handlers);
      return count;
    }
    // Paused, the connection answers nothing else: the control connection must stay free for stats and hashes.
    const lease = await this.leaseConnection();
    let clean = false;
    flow.attach(lease.rpc.conn);
    try {
      await lease.rpc.request({ op: 'list', ...options }, handlers);
      clean = true;
    } finally {
      flow.detach();
      lease.release(clean);
    }
    return count;
  }

  async stat(path: string, options: { md5?: boolean; blake3?: boolean } = {}): Promise<RemoteStat> {
    const reply = (await (await this.rpc()).request({ op: 'stat', path, ...options })) as unknown as StatReply;
    return {
      ...toEntry(reply),
      identity: reply.identity,
      ...(reply.md5 ? { md5: escapeControls(String(reply.md5)) } : {}),
      ...(reply.blake3 ? { blake3: escapeControls(String(reply.blake3)) } : {}),
    };
  }

  async hash(path: string, options: { rehash?: boolean; blake3?: boolean } = {}): Promise<HashResult> {
    const reply = await (await this.rpc()).request({ op: 'hash', path, ...options });
    return toHashResult(reply as unknown as HashRecord & { blake3?: string });
  }

  async hashAll(options: HashAllOptions = {}): Promise<HashResult[]> {
    const results: HashResult[] = [];
    await (await this.rpc()).request(
      {
        op: 'hashall',
        ...(options.path !== undefined ? { path: options.path } : {}),
        ...(options.rehash ? { rehash: true } : {}),
        ...(options.blake3 ? { blake3: true } : {}),
      },
      {
        signal: options.signal,
        onItem: (h) => {
          if (h.plan) options.onStart?.(h.plan as { files: number; bytes: number });
          for (const r of (h.results as (HashRecord & { blake3?: string })[] | undefined) ?? []) {
            const result = toHashResult(r);
            results.push(result);
            options.onResult?.(result);
          }
        },
      },
    );
    return results;
  }

  download(path: string, options: DownloadOptions = {}): Promise<DownloadResult> {
    return downloadPath(this, path, options);
  }

  async upload(localPath: string, options: UploadOptions = {}): Promise<UploadResult> {
    if (options.recursive && (await stat(localPath).catch(() => undefined))?.isDirectory()) return uploadTree(this, localPath, options);
    return uploadFile(this, localPath, options);
  }

  async read(path: string, options: ReadOptions = {}): Promise<ReadResult> {
    const offset = options.offset ?? 0;
    const count = Math.min(options.count ?? READ_MAX_BYTES, READ_MAX_BYTES);
    let chunk: ReadResult | undefined;
    await (await this.rpc()).request(
      { op: 'read', path, offset, count },
      {
        ...(options.signal ? { signal: options.signal } : {}),
        onItem: (h, payload) => {
          const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
          // A frame's payload may share memory with the decoder's buffer: keep a copy of our own.
          chunk = { offset: num(h.offset), bytes: Buffer.from(payload.subarray(0, count)), size: num(h.size), mtimeMs: num(h.mtimeMs) };
        },
      },
    );
    if (!chunk) throw new FerryError(ErrorCode.Internal, `the server sent no bytes for ${path}`);
    return chunk;
  }

  /**
   * May this client change the share? Read from the server's WELCOME on the
   * connection in use, so a server restarted with or without --allow-write is
   * seen as it is now, from the first request after the reconnect.
   */
  get writable(): boolean {
    return this.control.welcome.features.includes('write');
  }

  /** The control connection, refused locally with READ_ONLY when its server does not allow writing. */
  private async writer(): Promise<RpcConnection> {
    const rpc = await this.rpc();
    if (!rpc.welcome.features.includes('write')) {
      throw new FerryError(ErrorCode.ReadOnly, `${this.options.host}:${this.options.port} is read-only (its server was not started with --allow-write)`);
    }
    return rpc;
  }

  async mkdir(path: string, options: MkdirOptions = {}): Promise<MkdirResult> {
    const reply = await (await this.writer()).request({ op: 'mkdir', path, ...(options.parents ? { parents: true } : {}) });
    return { path: String(reply.path), created: reply.created === true };
  }

  async move(from: string, to: string, options: MoveOptions = {}): Promise<MoveResult> {
    const reply = await (await this.writer()).request({ op: 'move', from, to, ...(options.overwrite ? { overwrite: true } : {}) });
    return { from: String(reply.from), to: String(reply.to), moved: reply.moved === true };
  }

  /**
   * The server removes at most its per-request bound and answers `more`; this
   * asks again until the folder is gone, so a caller sees one operation.
   */
  async remove(path: string, options: RemoveOptions = {}): Promise<RemoveResult> {
    let removed = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      const before = removed;
      const reply = await (await this.writer()).request(
        { op: 'remove', path, ...(options.recursive ? { recursive: true } : {}) },
        {
          ...(options.signal ? { signal: options.signal } : {}),
          onItem: (h) => {
            if (typeof h.removed === 'number') options.onProgress?.(before + h.removed);
          },
        },
      );
      removed += typeof reply.removed === 'number' ? reply.removed : 0;
      options.onProgress?.(removed);
      if (reply.more !== true) return { path: String(reply.path), removed };
      // A step that removed nothing yet says more is left would never end.
      if (removed === before) throw new FerryError(ErrorCode.NotEmpty, `the server stopped removing '${path}' before it was empty`);
    }
  }

  async copy(from: string, to: string, options: CopyOptions = {}): Promise<CopyResult> {
    const reply = await (await this.writer()).request(
      { op: 'copy', from, to, ...(options.overwrite ? { overwrite: true } : {}) },
      {
        ...(options.signal ? { signal: options.signal } : {}),
        onItem: (h) => {
          if (typeof h.entries === 'number' && typeof h.bytes === 'number') options.onProgress?.({ entries: h.entries, bytes: h.bytes });
        },
      },
    );
    const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
    return {
      from: String(reply.from),
      to: String(reply.to),
      files: n(reply.files),
      folders: n(reply.folders),
      bytes: n(reply.bytes),
      skipped: n(reply.skipped),
    };
  }

  async logs(options: LogsOptions = {}): Promise<LogRecord[]> {
    const records: LogRecord[] = [];
    await (await this.rpc()).request({ op: 'logs', limit: options.limit ?? 100 }, { onItem: (h) => records.push(...logRecordsOf(h)) });
    return records;
  }

  async followLogs(options: FollowLogsOptions): Promise<void> {
    try {
      await (await this.rpc()).request(
        { op: 'logs', limit: options.limit ?? 100, follow: true },
        {
          signal: options.signal,
          onItem: (h) => {
            if (h.live) options.onLive?.();
            for (const r of logRecordsOf(h)) options.onRecord(r);
          },
        },
      );
    } catch (err) {
      if (options.signal?.aborted && err instanceof FerryError && err.code === ErrorCode.Cancelled) return;
      throw err;
    }
  }

  watch(path: string, options: WatchOptions): Promise<void> {
    // A server from before the watch op would answer 'unknown operation': say what that means.
    if (!this.control.welcome.features.includes('watch'))
      return Promise.reject(new FerryError(ErrorCode.BadRequest, `${this.control.address} cannot follow folders (its ferry is older than the watch op)`));
    return watchFolder(this, path, options);
  }

  async ping(): Promise<number> {
    return (await this.rpc()).ping();
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const rpc of this.spare.splice(0)) rpc.destroy();
    this.wakeRetry?.(); // a reconnect loop asleep between attempts ends now, not after its delay
    await this.control.close();
    this.emitStatus({ state: 'closed' });
  }

  /**
   * The control connection. While it is being re-established, wait for it,
   * but at most `waitMs`: a caller gets a clear failure instead of hanging,
   * while the client keeps trying in the background.
   */
  async rpc(waitMs = this.reconnectWaitMs): Promise<RpcConnection> {
    if (this.closed) throw new FerryError(ErrorCode.ConnectionLost, 'the client is closed');
    if (!this.control.closed) return this.control;
    const back = this.reconnect();
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const why = this.lastError ? `: ${this.lastError}` : '';
        reject(new FerryError(ErrorCode.ConnectionLost, `cannot reach ${this.options.host}:${this.options.port}${why} (still trying)`));
      }, waitMs);
    });
    try {
      return await Promise.race([back, gaveUp]);
    } finally {
      clearTimeout(timer);
    }
  }

  private followControl(rpc: RpcConnection): void {
    rpc.onClosed((err) => {
      if (this.closed || rpc !== this.control) return;
      this.lastError = err.message;
      this.emitStatus({ state: 'reconnecting', error: err.message });
      this.reconnect().catch(() => {});
    });
  }

  /**
   * Reconnect with backoff until it works or the client is closed; every
   * caller waiting on rpc() shares the one attempt. A server that is down for
   * a while (restarted, upgraded) is picked up again whenever it returns.
   */
  private reconnect(): Promise<RpcConnection> {
    this.reconnecting ??= (async () => {
      let delay = RETRY_FIRST_MS;
      for (;;) {
        if (this.closed) throw new FerryError(ErrorCode.ConnectionLost, 'the client is closed');
        try {
          const rpc = await RpcConnection.open(this.options);
          if (this.closed) {
            await rpc.close();
            throw new FerryError(ErrorCode.ConnectionLost, 'the client is closed');
          }
          this.control = rpc;
          this.lastError = undefined;
          this.followControl(rpc);
          this.emitStatus({ state: 'connected' });
          return rpc;
        } catch (err) {
          if (err instanceof FerryError && err.code === ErrorCode.ConnectionLost && this.closed) throw err;
          const message = err instanceof Error ? err.message : String(err);
          if (message !== this.lastError) this.emitStatus({ state: 'reconnecting', error: message });
          this.lastError = message;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, delay);
            this.wakeRetry = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.wakeRetry = undefined;
          delay = Math.min(delay * 2, RETRY_MAX_MS);
        }
      }
    })().finally(() => (this.reconnecting = undefined));
    return this.reconnecting;
  }

  private emitStatus(status: ConnectionStatus): void {
    for (const l of this.statusListeners) l(status);
  }
}

// Where server data enters: free text is escaped here (src/safe-text.ts), so
// no caller can print it raw. Paths and names stay exact, because the client
// acts on them (requests, local file names); they are escaped where shown.

export function toEntry(e: WireEntry): Entry {
  // Optional fields assigned, not spread (a throw-away object each): a compare takes 10,000 of these.
  const entry: Entry = {
    path: e.path,
    name: e.name,
    ext: escapeControls(String(e.ext)),
    size: e.size,
    mtimeMs: e.mtimeMs,
    mtime: new Date(e.mtimeMs).toISOString(),
    type: (e.type === 'file' || e.type === 'dir' ? e.type : escapeControls(String(e.type))) as Entry['type'],
  };
  if (typeof e.blake3 === 'string' && BLAKE3_HEX.test(e.blake3)) entry.blake3 = e.blake3;
  if (e.hashError !== undefined) entry.hashError = escapeControls(String(e.hashError));
  if (e.type === 'link' && (e.link === 'dangling' || e.link === 'outside')) entry.link = e.link;
  if (e.type === 'link' && typeof e.target === 'string') entry.target = escapeControls(e.target);
  return entry;
}

function toHashResult(r: HashRecord & { blake3?: string }): HashResult {
  return {
    path: r.path,
    md5: escapeControls(String(r.md5)),
    ...(r.blake3 ? { blake3: escapeControls(String(r.blake3)) } : {}),
    size: r.size,
    mtimeMs: r.mtimeMs,
    mtime: new Date(r.mtimeMs).toISOString(),
    ...(r.error !== undefined
      ? { error: { reason: isErrorCode(r.error) ? r.error : Failure.Unknown, message: escapeControls(String(r.message ?? r.error)) } }
      : {}),
  };
}

/**
 * The log records of an ITEM, every string escaped (keys and nested arguments
 * too): a log is only ever shown, and every field of it (paths, client
 * addresses, messages) was chosen by whoever sent the logged request.
 */
function logRecordsOf(item: Record<string, unknown>): LogRecord[] {
  const records = Array.isArray(item.records) ? (item.records as unknown[]) : [];
  return records.map((r) => {
    const x = (typeof r === 'object' && r !== null ? escapeDeep(r) : {}) as Partial<Record<keyof LogRecord, unknown>>;
    const text = (v: unknown) => (typeof v === 'string' ? v : '');
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
    return {
      time: text(x.time),
      client: text(x.client),
      command: text(x.command),
      args: typeof x.args === 'object' && x.args !== null && !Array.isArray(x.args) ? (x.args as Record<string, unknown>) : {},
      outcome: text(x.outcome),
      bytes: num(x.bytes),
      ms: num(x.ms),
      ...(typeof x.message === 'string' ? { message: x.message } : {}),
    };
  });
}
