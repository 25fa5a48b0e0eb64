// A FerryApi and CacheApi in memory, for component tests: a share described as a
// list of files, transfers the test drives by hand (progress, finish, fail), log
// records it can emit, connection states it can push.

import { createHash } from 'node:crypto';
import { ChunkHasher } from '../../src/protocol/chunk-hash.js';
import { extMatcher, filesOnly, nameMatcher } from '../../src/protocol/filter.js';
import type {
  CacheApi,
  CacheEntryInfo,
  CacheStats,
  ConnectionStatus,
  CopyResult,
  DownloadOptions,
  DownloadResult,
  Entry,
  FerryApi,
  FollowLogsOptions,
  HashAllOptions,
  HashResult,
  ListOptions,
  ListStream,
  LogRecord,
  MkdirResult,
  MoveResult,
  ReadOptions,
  ReadResult,
  RemoteStat,
  RemoveOptions,
  RemoveResult,
  ServerInfo,
  UploadOptions,
  UploadResult,
  WatchEvent,
  WatchOptions,
} from '../../src/client/types.js';

export interface FakeFile {
  path: string;
  size?: number;
  mtimeMs?: number;
  content?: string;
  /** Bytes of a file too large to hold (`size` says how large): the viewer's reads come here. */
  bytesAt?: (offset: number, count: number) => Buffer;
}

export function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

function extOf(name: string): string {
  const i = name.lastIndexOf('.');
  return i > 0 ? name.slice(i).toLowerCase() : '';
}

/** The BLAKE3 root (chunk-hash.ts) of a fake file: its content, or that many zero bytes. */
export function blake3Of(f: FakeFile): string {
  const bytes = f.content !== undefined ? Buffer.from(f.content) : Buffer.alloc(f.size ?? 0);
  const hasher = new ChunkHasher(bytes.length);
  hasher.update(bytes);
  return hasher.finish().blake3;
}

export function makeEntry(path: string, type: 'file' | 'dir', size = 0, mtimeMs = Date.UTC(2020, 3, 18, 14, 52)): Entry {
  const name = path.split('/').pop() ?? path;
  return { path, name, ext: type === 'dir' ? '' : extOf(name), size, mtimeMs, mtime: new Date(mtimeMs).toISOString(), type };
}

/** A transfer the test controls. */
export class PendingTransfer<R> {
  settled = false;
  constructor(
    readonly path: string,
    readonly options: DownloadOptions | UploadOptions,
    readonly total: number,
    private readonly resolveFn: (r: R) => void,
    private readonly rejectFn: (e: Error) => void,
    private readonly result: (bytes: number) => R,
    private readonly onSettled: () => void = () => {},
  ) {
    options.signal?.addEventListener('abort', () => this.fail(Object.assign(new Error('cancelled'), { code: 'CANCELLED' })));
  }
  /** Progress of one file of a folder download (the client reports per file). */
  progressFile(path: string, bytes: number, total: number, rate = 10e6): void {
    const transport = ('transport' in this.options ? this.options.transport : undefined) ?? 'tcp';
    this.options.onProgress?.({ path, transport, bytes, total, rate, etaSeconds: null });
  }
  progress(bytes: number, rate = 10e6): void {
    const transport = ('transport' in this.options ? this.options.transport : undefined) ?? 'tcp';
    this.options.onProgress?.({ path: this.path, transport, bytes, total: this.total, rate, etaSeconds: rate > 0 ? (this.total - bytes) / rate : null });
  }
  finish(overrides: Partial<R> = {}): void {
    if (this.settled) return;
    this.settled = true;
    this.onSettled();
    this.resolveFn({ ...this.result(this.total), ...overrides });
  }
  fail(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.onSettled();
    this.rejectFn(err);
  }
}

/** A hashAll call the test drives: plan, results one by one, then finish. */
export class PendingHashAll {
  private readonly results: HashResult[] = [];
  constructor(
    readonly options: HashAllOptions,
    private readonly resolveFn: (r: HashResult[]) => void,
    private readonly rejectFn: (e: Error) => void,
  ) {}
  start(files: number, bytes: number): void {
    this.options.onStart?.({ files, bytes });
  }
  result(r: HashResult): void {
    this.results.push(r);
    this.options.onResult?.(r);
  }
  finish(): void {
    this.resolveFn(this.results);
  }
  fail(err: Error): void {
    this.rejectFn(err);
  }
}

/** Resolves the next time `push` is called (or at once with what is queued). */
class Queue<T> {
  private items: T[] = [];
  private waiters: Array<(t: T) => void> = [];
  push(t: T): void {
    const w = this.waiters.shift();
    if (w) w(t);
    else this.items.push(t);
  }
  /** The next item if one is there, without waiting. */
  tryNext(): T | undefined {
    return this.items.shift();
  }
  /** The next item; rejects after `timeoutMs` so a test that waits in vain fails fast. */
  next(timeoutMs = 2000): Promise<T> {
    const t = this.items.shift();
    if (t !== undefined) return Promise.resolve(t);
    return new Promise((resolve, reject) => {
      const waiter = (item: T) => {
        clearTimeout(timer);
        resolve(item);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`nothing arrived within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}

export class FakeFerry implements FerryApi {
  info: ServerInfo = { address: '127.0.0.1:2003', server: 'ferry/0.1.0', share: '/srv/share', features: ['udp', 'upload', 'write', 'list-blake3'], version: 1 };
  /** Folders made with mkdir that hold no file yet (the others are implied by their files). */
  emptyFolders = new Set<string>();
  /** File operations asked for, in order, as `op args…`. */
  fileOps: string[] = [];
  /** Make the next file operations fail with this (a FerryError-like object with a code). */
  fileOpError: Error | null = null;

  get writable(): boolean {
    return this.info.features.includes('write');
  }

  /** Restart as a server with (or without) the write permission, and come back connected. */
  reconnectWith(features: string[]): void {
    this.info = { ...this.info, features };
    this.setStatus({ state: 'reconnecting', error: 'connection reset' });
    this.setStatus({ state: 'connected' });
  }

  private checkWrite(op: string): void {
    this.fileOps.push(op);
    if (!this.writable) throw Object.assign(new Error('this server is read-only'), { code: 'READ_ONLY' });
    if (this.fileOpError) throw this.fileOpError;
  }

  async mkdir(path: string, options: { parents?: boolean } = {}): Promise<MkdirResult> {
    this.checkWrite(`mkdir ${path}`);
    // With parents, as on the server: a folder already there is fine.
    if (options.parents && this.isFolder(path)) return { path, created: false };
    if (this.emptyFolders.has(path) || this.files.some((f) => f.path === path || f.path.startsWith(`${path}/`)))
      throw Object.assign(new Error(`'${path}' already exists`), { code: 'EXISTS' });
    this.emptyFolders.add(path);
    return { path, created: true };
  }

  async move(from: string, to: string): Promise<MoveResult> {
    this.checkWrite(`move ${from} ${to}`);
    const moved = (p: string) => (p === from ? to : p.startsWith(`${from}/`) ? to + p.slice(from.length) : p);
    this.files = this.files.map((f) => ({ ...f, path: moved(f.path) }));
    this.emptyFolders = new Set([...this.emptyFolders].map(moved));
    return { from, to, moved: true };
  }

  async remove(path: string, options: RemoveOptions = {}): Promise<RemoveResult> {
    this.checkWrite(`remove ${path}${options.recursive ? ' recursive' : ''}`);
    const before = this.files.length;
    this.files = this.files.filter((f) => f.path !== path && !f.path.startsWith(`${path}/`));
    for (const d of [...this.emptyFolders]) if (d === path || d.startsWith(`${path}/`)) this.emptyFolders.delete(d);
    // As on a disk, the folders above what went stay, empty or not.
    for (let cut = path.lastIndexOf('/'); cut > 0; cut = path.lastIndexOf('/', cut - 1)) this.emptyFolders.add(path.slice(0, cut));
    return { path, removed: before - this.files.length + 1 };
  }

  async copy(from: string, to: string): Promise<CopyResult> {
    this.checkWrite(`copy ${from} ${to}`);
    const inside = this.files.filter((f) => f.path === from || f.path.startsWith(`${from}/`));
    this.files.push(...inside.map((f) => ({ ...f, path: f.path === from ? to : to + f.path.slice(from.length) })));
    return { from, to, files: inside.length, folders: 0, bytes: inside.reduce((n, f) => n + (f.size ?? f.content?.length ?? 0), 0), skipped: 0 };
  }
  files: FakeFile[];
  /** Listings to return verbatim for a folder (e.g. 100,000 generated entries). */
  listings = new Map<string, Entry[]>();
  listCalls: ListOptions[] = [];
  /** Every read asked for, and the bytes it answered. */
  readCalls: Array<{ path: string; offset: number; count: number; bytes: number }> = [];
  listGate: Promise<void> | null = null;
  /** Set to hold every streamed listing after its first batch until it resolves. */
  afterFirstBatch: Promise<void> | null = null;
  /** Streamed listings stopped by their signal before the end. */
  abortedStreams = 0;
  listError: Error | null = null;
  hashError: Error | null = null;
  pingMs = 0.4;
  pingError: Error | null = null;
  logRecords: LogRecord[] = [];
  readonly downloads = new Queue<PendingTransfer<DownloadResult>>();
  readonly uploads = new Queue<PendingTransfer<UploadResult>>();
  readonly hashAlls = new Queue<PendingHashAll>();
  /** Downloads and uploads asked for and not settled: what a real client would hold open. */
  openTransfers = 0;
  /** The most that were ever open at once. */
  mostOpen = 0;
  /** Downloads and uploads asked for, in all. */
  startedTransfers = 0;
  private followers = new Set<(r: LogRecord) => void>();
  private statusListeners = new Set<(s: ConnectionStatus) => void>();

  constructor(files: FakeFile[] = []) {
    this.files = files;
  }

  private entriesUnder(dir: string, recursive: boolean): Entry[] {
    const out = new Map<string, Entry>();
    const prefix = dir === '' ? '' : `${dir}/`;
    for (const f of this.files) {
      if (!f.path.startsWith(prefix)) continue;
      const rest = f.path.slice(prefix.length).split('/');
      // Folders are implied by the files inside them.
      for (let i = 1; i < rest.length && (recursive || i === 1); i++) {
        const p = prefix + rest.slice(0, i).join('/');
        if (!out.has(p)) out.set(p, makeEntry(p, 'dir'));
      }
      if (rest.length === 1 || recursive) out.set(f.path, makeEntry(f.path, 'file', f.size ?? f.content?.length ?? 0, f.mtimeMs));
    }
    for (const d of this.emptyFolders) {
      if (d.startsWith(prefix) && (recursive || !d.slice(prefix.length).includes('/')) && !out.has(d)) out.set(d, makeEntry(d, 'dir'));
    }
    return [...out.values()];
  }

  async list(options: ListOptions = {}): Promise<Entry[]> {
    this.listCalls.push(options);
    await this.listGate; // a test can hold listings, as a client waiting for a reconnection does
    if (this.listError) throw this.listError;
    const dir = options.path ?? '';
    let entries = this.listings.get(dir) ?? this.entriesUnder(dir, options.recursive === true);
    // The real rules (protocol/filter.ts), so the app sees what a server would send.
    if (options.name) entries = entries.filter((e) => nameMatcher(options.name!)(e.name));
    if (filesOnly(options)) entries = entries.filter((e) => e.type === 'file');
    const ext = extMatcher(options.ext);
    if (ext) entries = entries.filter((e) => ext(e.name));
    if (options.after !== undefined) entries = entries.filter((e) => e.mtimeMs > options.after!);
    if (options.before !== undefined) entries = entries.filter((e) => e.mtimeMs < options.before!);
    if (options.keyword) {
      const has = nameMatcher(options.keyword);
      entries = entries.filter((e) => has(this.files.find((f) => f.path === e.path)?.content ?? ''));
    }
    // Like a server with 'list-blake3': each file's root, from its content.
    if (options.blake3) {
      const byPath = new Map(this.files.map((f) => [f.path, f]));
      entries = entries.map((e) => {
        const f = e.type === 'file' ? byPath.get(e.path) : undefined;
        return f ? { ...e, blake3: blake3Of(f) } : e;
      });
    }
    return entries;
  }

  async read(path: string, options: ReadOptions = {}): Promise<ReadResult> {
    const f = this.file(path);
    const size = f.size ?? Buffer.byteLength(f.content ?? '');
    const offset = options.offset ?? 0;
    const count = Math.max(0, Math.min(options.count ?? 1024 * 1024, 1024 * 1024, size - offset));
    const bytes = f.bytesAt ? f.bytesAt(offset, count) : Buffer.from(f.content ?? '').subarray(offset, offset + count);
    this.readCalls.push({ path, offset, count: options.count ?? 1024 * 1024, bytes: bytes.length });
    return { offset, bytes, size, mtimeMs: f.mtimeMs ?? 0 };
  }

  /** Listings streamed by listStream so far. */
  streamCalls: ListOptions[] = [];
  /** Entries per batch of listStream. */
  streamBatch = 1000;

  /** The signal each listStream was given (undefined: none), to see a caller abort. */
  streamSignals: (AbortSignal | undefined)[] = [];
  /** Asked before each batch (0, 1, …): a promise returned holds the stream there, as a slow server walk would. */
  streamHold: ((batch: number) => Promise<void> | undefined) | null = null;

  async listStream(options: ListOptions, stream: ListStream): Promise<number> {
    this.streamCalls.push(options);
    this.streamSignals.push(stream.signal);
    const entries = await this.list(options);
    const cancelled = () => {
      this.abortedStreams++;
      return Object.assign(new Error('cancelled'), { code: 'CANCELLED' });
    };
    let sent = 0;
    while (sent < entries.length) {
      await this.streamHold?.(sent / this.streamBatch);
      if (stream.signal?.aborted) throw cancelled();
      const batch = entries.slice(sent, sent + this.streamBatch);
      stream.onBatch(batch);
      if (sent === 0 && this.afterFirstBatch) await this.afterFirstBatch;
      sent += batch.length;
      // A batch per turn, as frames arrive: the reader gets to run in between.
      await new Promise((r) => setImmediate(r));
    }
    if (stream.signal?.aborted) throw cancelled();
    return sent;
  }

  private index: { of: FakeFile[]; length: number; byPath: Map<string, FakeFile> } | null = null;
  /** The file at `path`, through an index rebuilt when `files` is replaced or grows (tests of 20,000 files look up each). */
  private find(path: string): FakeFile | undefined {
    if (!this.index || this.index.of !== this.files || this.index.length !== this.files.length) {
      this.index = { of: this.files, length: this.files.length, byPath: new Map(this.files.map((f) => [f.path, f])) };
    }
    return this.index.byPath.get(path);
  }

  /** A folder of the share: the root, a folder made with mkdir, or one its files imply. */
  private isFolder(path: string): boolean {
    return path === '' || this.emptyFolders.has(path) || this.files.some((f) => f.path.startsWith(`${path}/`));
  }

  private file(path: string): FakeFile {
    const f = this.find(path);
    if (!f) throw Object.assign(new Error(`no such file: ${path}`), { code: 'NOT_FOUND' });
    return f;
  }

  md5Of(path: string): string {
    return md5(this.file(path).content ?? '');
  }

  async stat(path: string): Promise<RemoteStat> {
    if (this.isFolder(path)) return { ...makeEntry(path, 'dir'), identity: { size: 0, mtimeMs: 0, ino: 1, dev: 1 } };
    const f = this.file(path);
    const e = makeEntry(path, 'file', f.size ?? f.content?.length ?? 0, f.mtimeMs);
    return { ...e, identity: { size: e.size, mtimeMs: e.mtimeMs, ino: 1, dev: 1 }, md5: this.md5Of(path) };
  }

  async hash(path: string): Promise<HashResult> {
    if (this.hashError) throw this.hashError;
    const f = this.file(path);
    const e = makeEntry(path, 'file', f.size ?? f.content?.length ?? 0, f.mtimeMs);
    return { path, md5: this.md5Of(path), size: e.size, mtimeMs: e.mtimeMs, mtime: e.mtime };
  }

  hashAll(options: HashAllOptions = {}): Promise<HashResult[]> {
    return new Promise((resolve, reject) => this.hashAlls.push(new PendingHashAll(options, resolve, reject)));
  }

  /** Count a transfer opening; the returned callback counts it closing. */
  private opened(): () => void {
    this.openTransfers++;
    this.startedTransfers++;
    this.mostOpen = Math.max(this.mostOpen, this.openTransfers);
    return () => void this.openTransfers--;
  }

  download(path: string, options: DownloadOptions = {}): Promise<DownloadResult> {
    const f = this.find(path);
    const inside = options.recursive ? this.files.filter((x) => x.path.startsWith(`${path}/`)) : [];
    const sizeOf = (x: FakeFile) => x.size ?? x.content?.length ?? 0;
    const total = f ? sizeOf(f) : inside.reduce((n, x) => n + sizeOf(x), 0);
    const closed = this.opened();
    return new Promise((resolve, reject) => {
      this.downloads.push(
        new PendingTransfer<DownloadResult>(
          path,
          options,
          total,
          resolve,
          reject,
          (bytes) => ({
            path,
            dest: `${options.dest ?? '.'}/${path.split('/').pop()}`,
            bytes,
            transferred: bytes,
            md5: f ? md5(f.content ?? '') : md5(''),
            verified: true,
            transport: options.transport ?? 'tcp',
            cache: 'miss',
            seconds: 0.02,
            mtime: new Date().toISOString(),
            ...(options.recursive && !f
              ? {
                  md5: '',
                  files: inside.map((x) => ({
                    path: x.path,
                    dest: x.path,
                    bytes: sizeOf(x),
                    transferred: sizeOf(x),
                    md5: md5(x.content ?? ''),
                    verified: true as const,
                    transport: options.transport ?? 'tcp',
                    cache: 'miss' as const,
                    seconds: 0.01,
                    mtime: '',
                  })),
                }
              : {}),
          }),
          closed,
        ),
      );
    });
  }

  upload(localPath: string, options: UploadOptions = {}): Promise<UploadResult> {
    const path = options.as ?? localPath.split('/').pop() ?? localPath;
    const closed = this.opened();
    return new Promise((resolve, reject) => {
      this.uploads.push(
        new PendingTransfer<UploadResult>(path, options, 0, resolve, reject, (bytes) => ({ path, bytes, md5: md5(''), verified: true, seconds: 0.01 }), closed),
      );
    });
  }

  async logs(): Promise<LogRecord[]> {
    return [...this.logRecords];
  }

  followLogs(options: FollowLogsOptions): Promise<void> {
    return new Promise((resolve) => {
      const f = options.onRecord;
      // Like the server: recent history first, then live records.
      for (const r of this.logRecords.slice(-(options.limit ?? 100))) f(r);
      options.onLive?.();
      this.followers.add(f);
      options.signal?.addEventListener('abort', () => {
        this.followers.delete(f);
        resolve();
      });
    });
  }

  get following(): number {
    return this.followers.size;
  }

  /** Folders being watched now (path → how many watches). */
  readonly watching = new Map<string, Set<WatchOptions>>();

  watch(path: string, options: WatchOptions): Promise<void> {
    return new Promise((resolve) => {
      const set = this.watching.get(path) ?? new Set();
      this.watching.set(path, set.add(options));
      options.onReady?.();
      const stop = () => {
        set.delete(options);
        if (set.size === 0) this.watching.delete(path);
        resolve();
      };
      if (options.signal?.aborted) return stop();
      options.signal?.addEventListener('abort', stop, { once: true });
    });
  }

  /** Tell whoever watches `folder` about these changes, as the server would. */
  emitWatch(folder: string, events: WatchEvent[]): void {
    for (const o of this.watching.get(folder) ?? []) o.onEvents(events);
  }

  emitLog(r: LogRecord): void {
    this.logRecords.push(r);
    for (const f of this.followers) f(r);
  }

  async ping(): Promise<number> {
    if (this.pingError) throw this.pingError;
    return this.pingMs;
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  setStatus(s: ConnectionStatus): void {
    for (const l of this.statusListeners) l(s);
  }

  async close(): Promise<void> {}
}

export class FakeCache implements CacheApi {
  limit = 1024 ** 3;
  hits = 3;
  misses = 2;
  constructor(public entries: CacheEntryInfo[] = []) {}
  async list(): Promise<CacheEntryInfo[]> {
    return [...this.entries];
  }
  async stats(): Promise<CacheStats> {
    return {
      dir: '/home/u/.cache/ferry',
      entries: this.entries.length,
      bytes: this.entries.reduce((n, e) => n + e.size, 0),
      limit: this.limit,
      hits: this.hits,
      misses: this.misses,
    };
  }
  async clear(): Promise<void> {
    this.entries = [];
  }
  async remove(key: string): Promise<number> {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.blake3 !== key && e.md5 !== key && e.remotePath !== key);
    return before - this.entries.length;
  }
}

export function cacheEntry(remotePath: string, size: number, hits = 1, lastAccess = '2026-11-20T09:12:00.000Z'): CacheEntryInfo {
  // A stand-in root: 64 hex digits, distinct per path, which is all the views look at.
  const blake3 = createHash('sha256').update(remotePath).digest('hex');
  return { blake3, md5: md5(remotePath), size, remotePath, server: '127.0.0.1:2003', lastAccess, hits, added: '2026-11-19T08:00:00.000Z' };
}
