// The server's memory of file MD5s. A file is known by its identity
// (dev, ino, size, mtimeMs): while that is unchanged the stored digest is
// returned without reading a byte, so re-verifying a large share is cheap.
// The index is saved to disk (temp file + rename, debounced) and loaded at
// start, so a restart does not re-hash everything.

import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import type { FileIdentity, HashRecord } from '../protocol/messages.js';
import { HashPool } from './hash-worker.js';
import { walkShare, type WalkItem } from './listing.js';
import type { ShareStore } from './store.js';

/** Oldest-used entries are dropped beyond this, bounding memory and the saved file. */
const MAX_ENTRIES = 500_000;
/** Coalesce saves: a hashall over many files writes the file once, not once per file. */
const SAVE_DELAY_MS = 2_000;
const FORMAT_VERSION = 1;
const MD5_HEX = /^[0-9a-f]{32}$/;

interface Known {
  size: number;
  mtimeMs: number;
  md5: string;
}

type SavedEntry = [dev: number, ino: number, size: number, mtimeMs: number, md5: string];

const keyOf = (s: { dev: number; ino: number }) => `${s.dev}:${s.ino}`;
const sameVersion = (a: FileIdentity, b: FileIdentity) => a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

export class HashIndex {
  readonly stats = { hits: 0, misses: 0, bytesHashed: 0 };
  readonly file: string | undefined;
  private readonly known = new Map<string, Known>();
  private readonly inflight = new Map<string, Promise<string>>();
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
  md5(abs: string, stat: Stats, options: { rehash?: boolean } = {}): Promise<string> {
    if (!stat.isFile()) return Promise.reject(new FerryError(ErrorCode.NotAFile, 'not a regular file'));
    const key = keyOf(stat);
    if (!options.rehash) {
      const known = this.known.get(key);
      if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs) {
        this.stats.hits++;
        this.known.delete(key); // re-insert: Map order doubles as least-recently-used order
        this.known.set(key, known);
        return Promise.resolve(known.md5);
      }
    }
    // A read already under way for this exact version is as fresh as a new one: share it.
    const version = `${key}:${stat.size}:${stat.mtimeMs}`;
    const running = this.inflight.get(version);
    if (running) {
      this.stats.hits++;
      return running;
    }
    this.stats.misses++;
    const wanted: FileIdentity = { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs };
    const job = this.pool
      .hash(abs)
      .then((r) => {
        this.stats.bytesHashed += r.bytes;
        if (!sameVersion(r.before, r.after)) throw new FerryError(ErrorCode.Changed, 'file changed while it was being hashed');
        this.store(r.before, r.md5);
        if (!sameVersion(r.before, wanted)) throw new FerryError(ErrorCode.Changed, 'file changed since it was listed');
        return r.md5;
      })
      .finally(() => this.inflight.delete(version));
    this.inflight.set(version, job);
    return job;
  }

  /** Remember an MD5 computed elsewhere (e.g. while an upload streamed in). */
  remember(stat: FileIdentity, md5: string): void {
    if (!MD5_HEX.test(md5)) throw new FerryError(ErrorCode.Internal, 'not an MD5 digest');
    this.store(stat, md5);
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

  private store(id: FileIdentity, md5: string): void {
    const key = keyOf(id);
    this.known.delete(key);
    this.known.set(key, { size: id.size, mtimeMs: id.mtimeMs, md5 });
    if (this.known.size > MAX_ENTRIES) this.known.delete(this.known.keys().next().value!);
    this.dirty = true;
    if (this.file && !this.timer) {
      this.timer = setTimeout(() => void this.flush(), SAVE_DELAY_MS);
      this.timer.unref(); // never keep the process alive just to save a cache
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
      if (data.version !== FORMAT_VERSION || !Array.isArray(data.entries)) return;
      for (const e of data.entries as unknown[]) {
        if (!Array.isArray(e) || e.length !== 5) continue;
        const [dev, ino, size, mtimeMs, md5] = e as SavedEntry;
        if (![dev, ino, size, mtimeMs].every(Number.isFinite) || typeof md5 !== 'string' || !MD5_HEX.test(md5)) continue;
        this.known.set(keyOf({ dev, ino }), { size, mtimeMs, md5 });
      }
    } catch {
      this.known.clear(); // a corrupt cache costs a re-hash, nothing more
    }
  }

  private async save(): Promise<void> {
    if (!this.file || !this.dirty) return;
    this.dirty = false;
    const entries: SavedEntry[] = [];
    for (const [key, k] of this.known) {
      const [dev, ino] = key.split(':').map(Number) as [number, number];
      entries.push([dev, ino, k.size, k.mtimeMs, k.md5]);
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
export async function* hashTree(
  store: ShareStore,
  index: HashIndex,
  options: { path?: string; rehash?: boolean; signal?: AbortSignal },
): AsyncGenerator<HashRecord> {
  const { signal, rehash } = options;
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
      .then(
        (md5) => void done.push({ path: item.entry.path, md5, size: item.stat.size, mtimeMs: item.stat.mtimeMs }),
        (err: unknown) => {
          if (err instanceof FerryError && err.code === ErrorCode.ShuttingDown) fatal ??= err;
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
