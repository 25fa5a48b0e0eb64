// The server's memory of file hashes. A file is known by its identity
// (dev, ino, size, mtimeMs): while that is unchanged its MD5 (what users see)
// and its BLAKE3 chunk list and root (what transfers are checked with,
// protocol/chunk-hash.ts) are returned without reading a byte, so
// re-verifying a large share is cheap and a download starts at once.
// The index is saved to disk (temp file + rename, debounced) and loaded at
// start, so a restart does not re-hash everything.
//
// Chunk lists are 32 bytes per MiB of file; together they are held up to
// CHUNK_LIST_BYTES, after which the least recently used lose theirs (their
// MD5 and root stay): a list dropped costs one fast BLAKE3 pass to rebuild.

import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BLAKE3_HEX, CHUNK_HASH_BYTES, chunkBytesFor, rootOf } from '../protocol/chunk-hash.js';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import type { FileIdentity, HashRecord } from '../protocol/messages.js';
import { HashPool } from '../hashing/hash-worker.js';
import { keyOf, sameVersion } from '../hashing/identity.js';
import { walkShare, type WalkItem } from './listing.js';
import type { ShareStore } from './store.js';

/** Oldest-used entries are dropped beyond this, bounding memory and the saved file. */
const MAX_ENTRIES = 500_000;
/** Coalesce saves: a hashall over many files writes the file once, not once per file. */
const SAVE_DELAY_MS = 2_000;
/** Files up to this size are read once for both hashes, even when only the chunk list is asked for. */
const ONE_PASS_BYTES = 1024 * 1024;
/** Files waiting for a background read at most; past it, listings queue nothing more. */
const MAX_WARMING = 1024;
/** Bytes of chunk lists held in memory (and saved): 16 MiB covers 512 GiB of files. */
const CHUNK_LIST_BYTES = 16 * 1024 * 1024;
/** Version 1 held MD5s only; its entries are still read. */
const FORMAT_VERSION = 2;
const MD5_HEX = /^[0-9a-f]{32}$/;

/** What transfers are checked with (chunk-hash.ts). */
export interface ChunkHashes {
  blake3: string;
  chunkBytes: number;
  /** 32 bytes per chunk. */
  chunks: Buffer;
}

interface Known {
  size: number;
  mtimeMs: number;
  md5?: string;
  blake3?: string;
  chunks?: Buffer;
}

type SavedEntry = [dev: number, ino: number, size: number, mtimeMs: number, md5: string, blake3?: string, chunks?: string];

export class HashIndex {
  readonly stats = { hits: 0, misses: 0, bytesHashed: 0 };
  readonly file: string | undefined;
  private readonly known = new Map<string, Known>();
  private readonly inflight = new Map<string, Promise<Known>>();
  private readonly warming = new Set<string>();
  private listBytes = 0;
  private readonly pool: HashPool;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private saving: Promise<void> = Promise.resolve();
  private warned = false;

  private constructor(file: string | undefined, workers: number) {
    this.file = file;
    this.pool = new HashPool(workers);
  }

  static async open(options: { file?: string; workers?: number } = {}): Promise<HashIndex> {
    const index = new HashIndex(options.file, options.workers ?? os.availableParallelism());
    if (options.file) await index.load(options.file);
    return index;
  }

  /** Start the hashing threads now, not with the first file to hash (HashPool.start). */
  startWorkers(): void {
    this.pool.start();
  }

  /** Hashing threads started and still running. */
  get workersAlive(): number {
    return this.pool.alive;
  }

  /** Number of hashing threads (callers size their parallelism to it). */
  get workers(): number {
    return this.pool.size;
  }

  /** Most files ever hashed at once. */
  get peakParallel(): number {
    return this.pool.peakBusy;
  }

  /** Number of files currently remembered. */
  get size(): number {
    return this.known.size;
  }

  /**
   * MD5 of the regular file at `abs`, whose current stat the caller has. Unless
   * `rehash`, an unchanged identity answers from memory. Throws CHANGED if the
   * file read is not the version `stat` describes (replaced or written meanwhile).
   */
  async md5(abs: string, stat: Stats, options: { rehash?: boolean } = {}): Promise<string> {
    return (await this.lookup(abs, stat, { ...options, md5: true })).md5!;
  }

  /**
   * The BLAKE3 chunk list and root of the file, like md5(). A file never
   * hashed is read once with BLAKE3 alone (fast), leaving its MD5 for later.
   */
  async chunks(abs: string, stat: Stats, options: { rehash?: boolean } = {}): Promise<ChunkHashes> {
    // A small file's MD5 costs next to nothing beside opening it: one read gives both.
    const known = await this.lookup(abs, stat, { ...options, md5: stat.size <= ONE_PASS_BYTES, chunks: true });
    if (known.chunks === undefined || known.blake3 === undefined) throw new FerryError(ErrorCode.Internal, 'hash index entry without chunks');
    return { blake3: known.blake3, chunkBytes: chunkBytesFor(known.size), chunks: known.chunks };
  }

  /** The MD5 already known for this exact version of the file, without reading it. */
  knownMd5(stat: Stats): string | undefined {
    const known = this.known.get(keyOf(stat));
    return known && known.size === stat.size && known.mtimeMs === stat.mtimeMs ? known.md5 : undefined;
  }

  /** The BLAKE3 root already known for this exact version of the file, without reading it (or a promise). */
  knownRoot(stat: Stats): string | undefined {
    const known = this.known.get(keyOf(stat));
    if (!known || known.size !== stat.size || known.mtimeMs !== stat.mtimeMs || known.blake3 === undefined) return undefined;
    this.stats.hits++;
    return known.blake3;
  }

  /** The entry for this version of the file, holding what was asked for (reading the file if need be). */
  private lookup(abs: string, stat: Stats, options: { rehash?: boolean; md5: boolean; chunks?: boolean }): Promise<Known> {
    if (!stat.isFile()) return Promise.reject(new FerryError(ErrorCode.NotAFile, 'not a regular file'));
    const key = keyOf(stat);
    // An upload's entry has the MD5 alone: a question about chunks must not take it for an answer.
    const needChunks = options.chunks === true || !options.md5;
    const has = (k: Known | undefined): k is Known =>
      k !== undefined && k.size === stat.size && k.mtimeMs === stat.mtimeMs && (!options.md5 || k.md5 !== undefined) && (!needChunks || k.chunks !== undefined);
    if (!options.rehash) {
      const known = this.known.get(key);
      if (has(known)) {
        this.stats.hits++;
        this.known.delete(key); // re-insert: Map order doubles as least-recently-used order
        this.known.set(key, known);
        return Promise.resolve(known);
      }
    }
    // A read already under way for this exact version is as fresh as a new
    // one: share it. A read with MD5 and chunks serves both kinds of question;
    // an MD5-only read serves MD5 questions, a fast read chunk questions.
    const version = `${key}:${stat.size}:${stat.mtimeMs}`;
    const running =
      this.inflight.get(`${version}:md5`) ??
      (needChunks ? undefined : this.inflight.get(`${version}:md5only`)) ??
      (options.md5 ? undefined : this.inflight.get(`${version}:fast`));
    if (running) {
      this.stats.hits++;
      return running;
    }
    this.stats.misses++;
    const wanted: FileIdentity = { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs };
    // The MD5 alone when the chunk list is known or a fast read is making it:
    // BLAKE3 again beside the MD5 would only delay the slower of the two, the
    // one a download of a new file waits for last.
    const cached = this.known.get(key);
    const md5Only =
      options.md5 &&
      !needChunks &&
      (this.inflight.has(`${version}:fast`) ||
        (!options.rehash && cached?.chunks !== undefined && cached.size === stat.size && cached.mtimeMs === stat.mtimeMs));
    const slot = `${version}:${md5Only ? 'md5only' : options.md5 ? 'md5' : 'fast'}`;
    const read: Promise<{ md5?: string; chunks?: Buffer; bytes: number; before: FileIdentity; after: FileIdentity }> = md5Only
      ? this.pool.md5(abs)
      : this.pool.hash(abs, { md5: options.md5 });
    const job = read
      .then((r) => {
        this.stats.bytesHashed += r.bytes;
        if (!sameVersion(r.before, r.after) || r.bytes !== r.before.size) throw new FerryError(ErrorCode.Changed, 'file changed while it was being hashed');
        const stored = this.store(r.before, { md5: r.md5, chunks: r.chunks });
        if (!sameVersion(r.before, wanted)) throw new FerryError(ErrorCode.Changed, 'file changed since it was listed');
        return stored;
      })
      .finally(() => this.inflight.delete(slot));
    this.inflight.set(slot, job);
    return job;
  }

  /**
   * Read a file not known yet in the background, so that its download finds
   * the index warm. Low priority (one worker, and only when no request waits
   * for a hash) and bounded (MAX_WARMING files waiting); errors are dropped:
   * a request for the file hashes it again and reports them.
   */
  warm(abs: string, stat: Stats): void {
    if (!stat.isFile()) return;
    const key = keyOf(stat);
    const known = this.known.get(key);
    if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs && known.md5 !== undefined && known.chunks !== undefined) return;
    const version = `${key}:${stat.size}:${stat.mtimeMs}`;
    if (this.warming.has(version) || this.inflight.has(`${version}:md5`) || this.warming.size >= MAX_WARMING) return;
    this.warming.add(version);
    this.pool
      .hash(abs, { md5: true, background: true })
      .then(
        (r) => {
          this.stats.bytesHashed += r.bytes;
          if (sameVersion(r.before, r.after) && r.bytes === r.before.size) this.store(r.before, { md5: r.md5, chunks: r.chunks });
        },
        () => {},
      )
      .finally(() => this.warming.delete(version));
  }

  /** Files waiting for or under a background read. */
  get warmingFiles(): number {
    return this.warming.size;
  }

  /** Remember hashes computed elsewhere (e.g. while an upload streamed in). */
  remember(stat: FileIdentity, md5: string, chunks?: Buffer): void {
    if (!MD5_HEX.test(md5)) throw new FerryError(ErrorCode.Internal, 'not an MD5 digest');
    // A new version replaces what was known, never merges with it.
    const old = this.known.get(keyOf(stat));
    if (old?.chunks) this.listBytes -= old.chunks.length;
    this.known.delete(keyOf(stat));
    this.store(stat, { md5, ...(chunks ? { chunks } : {}) });
  }

  /**
   * Drop what is known about the file with this identity: it was removed or
   * replaced, and a new file may get its inode (and, copied with its time
   * kept, its size and mtime too) and must not inherit its hashes.
   */
  forget(id: { dev: number; ino: number }): void {
    const key = keyOf(id);
    const old = this.known.get(key);
    if (!old) return;
    if (old.chunks) this.listBytes -= old.chunks.length;
    this.known.delete(key);
    this.scheduleSave();
  }

  /** Write the index file now (if there is one and anything changed). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.saving = this.saving.then(() => this.save());
    return this.saving;
  }

  /** Stop the workers (pending hashes fail with SHUTTING_DOWN) and save. */
  async close(): Promise<void> {
    await this.pool.close();
    await this.flush();
  }

  /** Merge what a read found into the entry for this version (an MD5 pass and a fast pass complete each other). */
  private store(id: FileIdentity, found: { md5?: string; chunks?: Buffer }): Known {
    const key = keyOf(id);
    const old = this.known.get(key);
    this.known.delete(key);
    const same = old !== undefined && old.size === id.size && old.mtimeMs === id.mtimeMs;
    const known: Known = { size: id.size, mtimeMs: id.mtimeMs };
    const md5 = found.md5 ?? (same ? old.md5 : undefined);
    if (md5) known.md5 = md5;
    const chunks = found.chunks ?? (same ? old.chunks : undefined);
    if (old?.chunks) this.listBytes -= old.chunks.length;
    if (chunks) {
      known.chunks = chunks;
      known.blake3 = rootOf(id.size, chunkBytesFor(id.size), chunks);
      this.listBytes += chunks.length;
    } else if (same && old.blake3) {
      known.blake3 = old.blake3;
    }
    this.known.set(key, known);
    if (this.known.size > MAX_ENTRIES) {
      const [oldest, entry] = this.known.entries().next().value!;
      if (entry.chunks) this.listBytes -= entry.chunks.length;
      this.known.delete(oldest);
    }
    this.trimLists();
    this.scheduleSave();
    return known;
  }

  private scheduleSave(): void {
    this.dirty = true;
    if (this.file && !this.timer) {
      this.timer = setTimeout(() => void this.flush(), SAVE_DELAY_MS);
      this.timer.unref(); // never keep the process alive just to save a cache
    }
  }

  /** Drop the least recently used chunk lists until they fit CHUNK_LIST_BYTES (never the newest entry's). */
  private trimLists(): void {
    if (this.listBytes <= CHUNK_LIST_BYTES) return;
    let newest: Known | undefined;
    for (const known of this.known.values()) newest = known;
    for (const known of this.known.values()) {
      if (this.listBytes <= CHUNK_LIST_BYTES) return;
      if (!known.chunks || known === newest) continue;
      this.listBytes -= known.chunks.length;
      delete known.chunks;
    }
  }

  private async load(file: string): Promise<void> {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      return; // first run, or the cache was cleaned: start empty
    }
    try {
      const data = JSON.parse(text) as { version?: unknown; entries?: unknown };
      if ((data.version !== FORMAT_VERSION && data.version !== 1) || !Array.isArray(data.entries)) return;
      for (const e of data.entries as unknown[]) {
        if (!Array.isArray(e) || e.length < 5) continue;
        const [dev, ino, size, mtimeMs, md5, blake3, chunks] = e as SavedEntry;
        if (![dev, ino, size, mtimeMs].every(Number.isFinite)) continue;
        const known: Known = { size, mtimeMs };
        if (typeof md5 === 'string' && MD5_HEX.test(md5)) known.md5 = md5;
        if (typeof blake3 === 'string' && BLAKE3_HEX.test(blake3)) {
          known.blake3 = blake3;
          // A list is kept only if it still hashes to its root: a damaged file costs a re-read.
          const list = typeof chunks === 'string' ? Buffer.from(chunks, 'base64') : undefined;
          if (list && list.length === Math.ceil(size / chunkBytesFor(size)) * CHUNK_HASH_BYTES && rootOf(size, chunkBytesFor(size), list) === blake3) {
            known.chunks = list;
            this.listBytes += list.length;
          }
        }
        if (known.md5 || known.blake3) this.known.set(keyOf({ dev, ino }), known);
      }
      this.trimLists();
    } catch {
      this.known.clear(); // a corrupt cache costs a re-hash, nothing more
      this.listBytes = 0;
    }
  }

  private async save(): Promise<void> {
    if (!this.file || !this.dirty) return;
    this.dirty = false;
    const entries: SavedEntry[] = [];
    for (const [key, k] of this.known) {
      const [dev, ino] = key.split(':').map(Number) as [number, number];
      entries.push([dev, ino, k.size, k.mtimeMs, k.md5 ?? '', k.blake3 ?? '', k.chunks?.toString('base64') ?? '']);
    }
    const temp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await fs.mkdir(path.dirname(this.file), { recursive: true });
      await fs.writeFile(temp, JSON.stringify({ version: FORMAT_VERSION, entries }));
      await fs.rename(temp, this.file);
    } catch (err) {
      await fs.rm(temp, { force: true }).catch(() => undefined);
      if (!this.warned) process.stderr.write(`ferry: cannot save the hash index to ${this.file}: ${(err as Error).message}\n`);
      this.warned = true;
    }
  }
}

/**
 * Hash every file under `path` that a recursive listing would show, keeping the
 * worker pool busy and yielding records in completion order. Files that vanish,
 * change or cannot be read meanwhile are skipped; a closed index ends the run
 * with SHUTTING_DOWN. Stops quietly when the signal aborts.
 */
/** The record of a listed file that could not be hashed: its code and a short why. */
function unhashable(item: WalkItem, err: unknown): HashRecord {
  const errno = (err as NodeJS.ErrnoException | null)?.code;
  const code =
    err instanceof FerryError
      ? err.code
      : errno === 'EACCES' || errno === 'EPERM'
        ? ErrorCode.Forbidden
        : errno === 'ENOENT'
          ? ErrorCode.NotFound
          : ErrorCode.Internal;
  const why =
    err instanceof FerryError ? err.message : errno === 'ENOENT' ? 'vanished before it was read' : errno ? `cannot be read (${errno})` : 'cannot be read';
  return { path: item.entry.path, md5: '', size: item.stat.size, mtimeMs: item.stat.mtimeMs, error: code, message: why };
}

export async function* hashTree(
  store: ShareStore,
  index: HashIndex,
  options: { path?: string; rehash?: boolean; blake3?: boolean; signal?: AbortSignal },
): AsyncGenerator<HashRecord> {
  const { signal, rehash } = options;
  // The MD5 pass reads the chunk hashes too, so the root costs no second read.
  const withRoot = async (item: WalkItem, md5: string): Promise<HashRecord> => {
    const record: HashRecord = { path: item.entry.path, md5, size: item.stat.size, mtimeMs: item.stat.mtimeMs };
    if (options.blake3) record.blake3 = (await index.chunks(item.abs, item.stat)).blake3;
    return record;
  };
  // Two jobs per worker: one hashing, one queued, so no worker waits on the walk.
  const limit = index.workers * 2;
  const done: HashRecord[] = [];
  let fatal: Error | undefined;
  let running = 0;
  let wake: (() => void) | undefined;

  const start = (item: WalkItem) => {
    running++;
    index
      .md5(item.abs, item.stat, { rehash })
      .then((md5) => withRoot(item, md5))
      .then(
        (record) => void done.push(record),
        (err: unknown) => {
          if (err instanceof FerryError && err.code === ErrorCode.ShuttingDown) fatal ??= err;
          // A file listed but not hashed is reported, not left out: a check that
          // silently skips what it cannot read would say "all the same".
          else done.push(unhashable(item, err));
        },
      )
      .finally(() => {
        running--;
        wake?.();
      });
  };
  const settle = () => new Promise<void>((resolve) => (wake = resolve));

  for await (const items of walkShare(store, { path: options.path, recursive: true }, signal)) {
    for (const item of items) {
      if (item.entry.type !== 'file') continue;
      while (running >= limit && !fatal && !signal?.aborted) {
        if (done.length > 0) yield* done.splice(0);
        else await settle();
      }
      if (fatal) throw fatal;
      if (signal?.aborted) return;
      yield* done.splice(0);
      start(item);
    }
  }
  while (running > 0 || done.length > 0) {
    if (done.length === 0) await settle();
    if (fatal) throw fatal;
    if (signal?.aborted) return;
    yield* done.splice(0);
  }
}
