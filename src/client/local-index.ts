// The client's memory of local files' hashes, the twin of the server's
// (src/server/hash-index.ts): a file is known by its identity (dev, ino,
// size, mtimeMs, src/hashing/identity.ts) and, here, its ctime too: a file
// rewritten in place with its size and time put back (cp -p, touch -r, an
// editor that keeps times) still gets a new ctime, which no one can set, so
// the index is not fooled where rsync without -c is. While all that is unchanged its
// BLAKE3 root (protocol/chunk-hash.ts, the same root the server lists, so
// the two compare directly) is answered without reading a byte. A second
// `ferry compare` of an unchanged tree reads no file.
//
// On disk it is an append log of JSON lines in the cache folder: a header,
// then one `[dev, ino, size, mtimeMs, ctimeMs, blake3, md5?]` per file hashed. New
// entries are appended (a crash loses at most the lines not yet written; a
// torn last line is dropped), and the log is rewritten whole (temp file,
// rename) when it holds more than twice what is remembered. Anything else
// wrong with it (a bad header, a line in the middle that does not parse)
// means it was damaged: it is started afresh, said once on stderr, and the
// files are hashed again — a damaged cache costs time, never a wrong answer
// beyond what its lines claimed.
//
// Bounded: at most MAX_ENTRIES files (least recently used dropped), so the
// memory and the log stay small whatever trees are compared.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { defaultCacheDir } from '../cache/cache.js';
import { type HashResult, HashPool } from '../hashing/hash-worker.js';
import { keyOf, sameVersion } from '../hashing/identity.js';
import { BLAKE3_HEX, rootOf } from '../protocol/chunk-hash.js';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import type { FileIdentity } from '../protocol/messages.js';

/** Files remembered at most (about 150 bytes each in memory, 120 on disk). */
export const MAX_ENTRIES = 250_000;
/** Lines appended at once: a big tree's first hashing writes the log in a few hundred appends, not one per file. */
const APPEND_LINES = 512;
const HEADER = JSON.stringify({ ferry: 'local-hash-index', version: 2 });
const MD5_HEX = /^[0-9a-f]{32}$/;
/** Files up to this size are read several to a message ... */
const BATCH_FILE_BYTES = 1024 * 1024;
/** ... up to this many files or bytes a message. */
const BATCH_FILES = 64;
const BATCH_BYTES = 8 * 1024 * 1024;
export const LOCAL_INDEX_NAME = 'local-hash-index.jsonl';

/** What the index keys a local file by: its identity and its ctime. */
export type LocalIdentity = FileIdentity & { ctimeMs: number };

interface Known {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  blake3: string;
  md5?: string;
}

export interface LocalHashes {
  blake3: string;
  md5?: string;
}

export interface LocalIndexOptions {
  /** The log file; null keeps the index in memory only. Default: in the cache folder. */
  file?: string | null;
  /** Hashing threads at most (default: the cores there are). */
  workers?: number;
  /** Where a damaged index is reported (one line). Default: stderr. */
  warn?: (message: string) => void;
}

export function defaultLocalIndexFile(cacheDir?: string): string {
  return path.join(cacheDir ?? defaultCacheDir(), LOCAL_INDEX_NAME);
}

export class LocalHashIndex {
  /** hits: answered from memory; misses: files read; bytesRead: bytes the hashing read. */
  readonly stats = { hits: 0, misses: 0, bytesRead: 0 };
  readonly file: string | null;
  private readonly known = new Map<string, Known>();
  private readonly inflight = new Map<string, Promise<LocalHashes>>();
  private readonly pool: HashPool;
  private pending: string[] = [];
  private logLines = 0;
  /** The log on disk starts with the header (appending is then all a new entry needs). */
  private headed = false;
  private writing: Promise<void> = Promise.resolve();
  private readonly warn: (message: string) => void;
  private warnedSave = false;

  private constructor(options: LocalIndexOptions) {
    this.file = options.file === undefined ? defaultLocalIndexFile() : options.file;
    this.pool = new HashPool(options.workers ?? os.availableParallelism());
    this.warn = options.warn ?? ((m) => process.stderr.write(`ferry: ${m}\n`));
  }

  static async open(options: LocalIndexOptions = {}): Promise<LocalHashIndex> {
    const index = new LocalHashIndex(options);
    await index.load();
    return index;
  }

  /** Hashing threads: callers size their parallelism to it. */
  get workers(): number {
    return this.pool.size;
  }

  /** Files remembered. */
  get size(): number {
    return this.known.size;
  }

  /** The hashes known for exactly this version of the file, without reading it. */
  lookup(stat: LocalIdentity, options: { md5?: boolean } = {}): LocalHashes | undefined {
    const key = keyOf(stat);
    const k = this.known.get(key);
    if (!k || k.size !== stat.size || k.mtimeMs !== stat.mtimeMs || k.ctimeMs !== stat.ctimeMs || (options.md5 && !k.md5)) return undefined;
    this.known.delete(key); // re-insert: Map order is least-recently-used order
    this.known.set(key, k);
    return k.md5 ? { blake3: k.blake3, md5: k.md5 } : { blake3: k.blake3 };
  }

  /**
   * lookup's BLAKE3 root alone, without an object for the answer: what a
   * compare asks of every file of a tree. Counted as a hit when known.
   */
  knownRoot(stat: LocalIdentity): string | undefined {
    const key = keyOf(stat);
    const k = this.known.get(key);
    if (!k || k.size !== stat.size || k.mtimeMs !== stat.mtimeMs || k.ctimeMs !== stat.ctimeMs) return undefined;
    this.known.delete(key); // re-insert: Map order is least-recently-used order
    this.known.set(key, k);
    this.stats.hits++;
    return k.blake3;
  }

  /**
   * The BLAKE3 root (and with `md5`, the MD5) of the regular file at `abs`,
   * whose current identity the caller has (a folder or device is refused by
   * the hashing thread with NOT_A_FILE): from memory when that version is
   * known, else read by a hashing thread. Throws CHANGED if the file was
   * written while it was read, or is no longer the version `stat` describes.
   */
  hash(abs: string, stat: LocalIdentity, options: { md5?: boolean } = {}): Promise<LocalHashes> {
    const hit = this.lookup(stat, options);
    if (hit) {
      this.stats.hits++;
      return Promise.resolve(hit);
    }
    const version = `${keyOf(stat)}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}:${options.md5 ? 'md5' : ''}`;
    const running = this.inflight.get(version);
    if (running) return running;
    this.stats.misses++;
    const wanted: FileIdentity = { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs };
    const job = this.pool
      .hash(abs, { md5: options.md5 ?? false })
      .then((r) => {
        this.stats.bytesRead += r.bytes;
        if (!sameVersion(r.before, r.after) || r.bytes !== r.before.size) throw new FerryError(ErrorCode.Changed, `${abs} changed while it was read`);
        if (!sameVersion(r.before, wanted)) throw new FerryError(ErrorCode.Changed, `${abs} changed since it was listed`);
        const blake3 = rootOfResult(r);
        // The ctime is the caller's stat's: the worker's read saw the same version (dev, ino, size, mtime).
        this.remember(stat, { blake3, ...(r.md5 ? { md5: r.md5 } : {}) });
        return { blake3, ...(r.md5 ? { md5: r.md5 } : {}) };
      })
      .finally(() => this.inflight.delete(version));
    this.inflight.set(version, job);
    return job;
  }

  /**
   * The roots of many files, each reported to `each` as it is known (in no
   * particular order): known ones at once, the rest read by the hashing
   * threads, small files BATCH_FILES to a message (a message per file would
   * cost more than reading it), at most two jobs per thread in flight.
   */
  async hashEach(
    files: readonly { abs: string; id: LocalIdentity }[],
    each: (i: number, result: LocalHashes | Error) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    const running = new Set<Promise<void>>();
    const limit = this.pool.size * 2;
    const run = async (job: Promise<void>) => {
      running.add(job);
      void job.finally(() => running.delete(job));
      while (running.size >= limit) await Promise.race(running);
    };
    let batch: number[] = [];
    let batchBytes = 0;
    const flushBatch = async () => {
      const taken = batch;
      batch = [];
      batchBytes = 0;
      if (taken.length > 0)
        await run(
          this.readBatch(
            taken.map((i) => files[i]!),
            (k, r) => each(taken[k]!, r),
          ),
        );
    };
    for (let i = 0; i < files.length; i++) {
      if (signal?.aborted) break;
      const { abs, id } = files[i]!;
      const hit = this.lookup(id);
      if (hit) {
        this.stats.hits++;
        each(i, hit);
      } else if (id.size > BATCH_FILE_BYTES) {
        await run(
          this.hash(abs, id).then(
            (r) => each(i, r),
            (err: Error) => each(i, err),
          ),
        );
      } else {
        batch.push(i);
        batchBytes += id.size;
        if (batch.length >= BATCH_FILES || batchBytes >= BATCH_BYTES) await flushBatch();
      }
    }
    await flushBatch();
    await Promise.all(running);
  }

  private async readBatch(files: { abs: string; id: LocalIdentity }[], each: (k: number, result: LocalHashes | Error) => void): Promise<void> {
    this.stats.misses += files.length;
    let results: (HashResult | FerryError)[];
    try {
      results = await this.pool.hashBatch(
        files.map((f) => f.abs),
        { md5: false },
      );
    } catch (err) {
      files.forEach((_, k) => each(k, err as Error));
      return;
    }
    results.forEach((r, k) => {
      if (r instanceof Error) return each(k, r);
      this.stats.bytesRead += r.bytes;
      const wanted = files[k]!.id;
      if (!sameVersion(r.before, r.after) || r.bytes !== r.before.size || !sameVersion(r.before, wanted)) {
        return each(k, new FerryError(ErrorCode.Changed, `${files[k]!.abs} changed while it was read`));
      }
      const blake3 = rootOfResult(r);
      this.remember(wanted, { blake3 });
      each(k, { blake3 });
    });
  }

  /** Remember hashes known another way (a file just downloaded and checked). */
  remember(id: LocalIdentity, hashes: LocalHashes): void {
    if (!BLAKE3_HEX.test(hashes.blake3)) return;
    const key = keyOf(id);
    const old = this.known.get(key);
    const md5 = hashes.md5 ?? (old && old.size === id.size && old.mtimeMs === id.mtimeMs && old.blake3 === hashes.blake3 ? old.md5 : undefined);
    const known: Known = { size: id.size, mtimeMs: id.mtimeMs, ctimeMs: id.ctimeMs, blake3: hashes.blake3, ...(md5 ? { md5 } : {}) };
    this.known.delete(key);
    this.known.set(key, known);
    if (this.known.size > MAX_ENTRIES) this.known.delete(this.known.keys().next().value!);
    this.pending.push(JSON.stringify([id.dev, id.ino, id.size, id.mtimeMs, id.ctimeMs, known.blake3, ...(md5 ? [md5] : [])]));
    if (this.pending.length >= APPEND_LINES) void this.flush();
  }

  /** Append what was learnt since the last flush (or rewrite the log when it has grown twice too long). */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.write());
    return this.writing;
  }

  /** Stop the hashing threads (pending hashes fail with SHUTTING_DOWN) and save. */
  async close(): Promise<void> {
    await this.pool.close();
    await this.flush();
  }

  private async write(): Promise<void> {
    if (!this.file) {
      this.pending = [];
      return;
    }
    try {
      if (this.logLines + this.pending.length > 2 * this.known.size + 1024) return await this.compact();
      if (this.pending.length === 0) return;
      const lines = this.pending;
      this.pending = [];
      await fs.mkdir(path.dirname(this.file), { recursive: true });
      if (!this.headed) await fs.writeFile(this.file, `${HEADER}\n`);
      this.headed = true;
      await fs.appendFile(this.file, `${lines.join('\n')}\n`);
      this.logLines += lines.length;
    } catch (err) {
      this.saveFailed(err);
    }
  }

  /** Write what is remembered to a new log and put it in place of the old one. */
  private async compact(): Promise<void> {
    const file = this.file!;
    this.pending = [];
    const lines = [HEADER];
    for (const [key, k] of this.known) {
      const [dev, ino] = key.split(':').map(Number) as [number, number];
      lines.push(JSON.stringify([dev, ino, k.size, k.mtimeMs, k.ctimeMs, k.blake3, ...(k.md5 ? [k.md5] : [])]));
    }
    const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(temp, `${lines.join('\n')}\n`);
      await fs.rename(temp, file);
      this.logLines = lines.length - 1;
      this.headed = true;
    } catch (err) {
      await fs.rm(temp, { force: true }).catch(() => undefined);
      this.saveFailed(err);
    }
  }

  private saveFailed(err: unknown): void {
    if (!this.warnedSave) this.warn(`cannot save the local hash index to ${this.file}: ${(err as Error).message}`);
    this.warnedSave = true;
  }

  private async load(): Promise<void> {
    if (!this.file) return;
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch {
      return; // first run, or the cache was cleaned
    }
    if (text === '') return; // made, never written: nothing to lose
    // The text after the last newline is empty unless an append was cut.
    const end = text.lastIndexOf('\n');
    let rewrite = end !== text.length - 1;
    const damaged = (why: string) => {
      this.known.clear();
      rewrite = true;
      this.warn(`the local hash index ${this.file} was damaged (${why}); starting it afresh`);
    };
    const headerEnd = text.indexOf('\n');
    if (headerEnd < 0 || text.slice(0, headerEnd) !== HEADER) damaged('not a ferry local hash index');
    else {
      // One parse for the whole log, its newlines made commas (10,000 lines: a
      // few ms, against ten times that line by line, or split into lines first);
      // only a log that fails it is read line by line, to find where.
      const body = headerEnd === end ? '' : text.slice(headerEnd + 1, end);
      let values: unknown[] | undefined;
      try {
        values = JSON.parse(`[${body.replaceAll('\n', ',')}]`) as unknown[];
      } catch {
        values = undefined;
      }
      const lines = values ? [] : body.split('\n');
      const count = values ? values.length : lines.length;
      const known = this.known;
      for (let j = 0; j < count; j++) {
        const entry = checkLine(values ? values[j] : parseJson(lines[j]!));
        if (!entry) {
          damaged(`line ${j + 2} does not parse`);
          break;
        }
        const [dev, ino, size, mtimeMs, ctimeMs, blake3, md5] = entry;
        const key = keyOf({ dev, ino });
        const k: Known = md5 ? { size, mtimeMs, ctimeMs, blake3, md5 } : { size, mtimeMs, ctimeMs, blake3 };
        const before = known.size;
        known.set(key, k);
        // Seen before: a set keeps the old place, so it is moved to the newest end.
        if (known.size === before) {
          known.delete(key);
          known.set(key, k);
        } else if (known.size > MAX_ENTRIES) known.delete(known.keys().next().value!);
      }
      this.logLines = count;
      this.headed = true;
    }
    // A damaged or torn log is rewritten now: appending after a cut line would join two lines into one.
    if (rewrite) {
      this.logLines = Number.MAX_SAFE_INTEGER;
      await this.flush();
    }
  }
}

type Line = [dev: number, ino: number, size: number, mtimeMs: number, ctimeMs: number, blake3: string, md5?: string];

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const finite = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n);

function checkLine(v: unknown): Line | undefined {
  if (!Array.isArray(v) || v.length < 6 || v.length > 7) return undefined;
  const [dev, ino, size, mtimeMs, ctimeMs, blake3, md5] = v as unknown[];
  if (!finite(dev) || !finite(ino) || !finite(size) || !finite(mtimeMs) || !finite(ctimeMs)) return undefined;
  if (typeof blake3 !== 'string' || !BLAKE3_HEX.test(blake3)) return undefined;
  if (md5 !== undefined && (typeof md5 !== 'string' || !MD5_HEX.test(md5))) return undefined;
  return v as Line;
}

/** The root of a hash worker's result (its chunk list, hashed as chunk-hash.ts does). */
function rootOfResult(r: { before: FileIdentity; chunkBytes: number; chunks: Buffer }): string {
  return rootOf(r.before.size, r.chunkBytes, r.chunks);
}
