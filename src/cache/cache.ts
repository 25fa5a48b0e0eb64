// The client's download cache: content-addressed by the BLAKE3 root
// (protocol/chunk-hash.ts), bounded in size, least-recently-used entries
// evicted first. Layout in layout.ts.
//
// Trust: admit hashes the file itself and refuses it when the root differs
// from the one claimed, so a lying server (or caller) cannot file content
// under another file's key. Bytes on disk can still rot or be edited, so
// every hit is hashed again on its way out (materialize); one that does not
// match is evicted and reported as a miss. Each entry also keeps the MD5 the
// server reported, for the user's sake (`ferry cache rm MD5`, the listings).
//
// Concurrency: two ferry processes may share a cache folder. Every change is
// a read-modify-write of index.json under one lock file (lock.ts), and the
// index is only ever replaced whole (temp, fsync, rename), so readers without
// the lock (lookup, list, stats) still see a complete version. A journal would
// allow lock-free appends, but eviction needs a consistent view of the whole
// cache anyway, and holds are short (no copying under the lock), so a lock is
// simpler to get right and to explain.
//
// Crash safety: the order of steps in admit/remove/clear is chosen so that a
// kill at any point leaves something repair.ts recognises (see its table).
//
// Destinations are never hard links to cache content: a shared inode means a
// user editing the downloaded file in place would silently change the cached
// bytes, and the next "hit" would hand out content that no longer matches its
// key. We clone instead (fsutil.cloneDurable: copy-on-write where the
// filesystem can, a real copy where it cannot). Hard links are used only for
// private "pins" inside the cache (see materialize).

import { createHash } from 'node:crypto';
import { link, mkdir, readdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import envPaths from 'env-paths';
import type { AdmitInfo, CacheApi, CacheEntryInfo, CacheStats, MaterializeOptions } from './types.js';
import { formatBytes } from '../format.js';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import { copyOutChecked, sweepLeftovers } from './destination.js';
import { cloneDurable, errCode, fileSize, fsyncPath, ioError, tempName, unlinkQuiet, writeDurable } from './fsutil.js';
import { hashFile } from './hash-file.js';
import { byRecency, type IndexData, pickVictims, readIndex, type ReadResult, serializeIndex, toInfo, totalBytes, writeIndex } from './index-file.js';
import { contentPath, intentPath, KEY_RE, layoutOf, MD5_RE, type Layout } from './layout.js';
import { DEFAULT_LOCK_TIMEOUT_MS, withLock } from './lock.js';
import { legacyObjectCount, migrateLegacy } from './migrate.js';
import { type CacheHooks, type CacheOpenOptions, type CrashPoint, normalizeRemote } from './options.js';
import { claimPart, type PartClaim } from './part-claim.js';
import { type Intent, repair, type RepairReport } from './repair.js';

/** Folders whose leftover temps were swept already by this instance; bounded. */
const SWEPT_MAX = 256;

export const DEFAULT_CACHE_LIMIT = 1024 ** 3;

export function defaultCacheDir(): string {
  return envPaths('ferry', { suffix: '' }).cache;
}

export type { CacheHooks, CacheOpenOptions, CrashPoint } from './options.js';
export type { PartClaim } from './part-claim.js';
export type { AdmitInfo, MaterializeOptions } from './types.js';
export { describeRepair, type RepairReport } from './repair.js';

export class DownloadCache implements CacheApi {
  readonly dir: string;
  readonly limit: number;
  readonly #layout: Layout;
  readonly #pid: number;
  readonly #lockTimeoutMs: number;
  readonly #hooks: CacheHooks;
  #report: RepairReport | undefined;
  readonly #swept = new Set<string>();

  private constructor(dir: string, limit: number, options: CacheOpenOptions) {
    this.dir = dir;
    this.limit = limit;
    this.#layout = layoutOf(dir);
    this.#hooks = options.hooks ?? {};
    this.#pid = this.#hooks.pid ?? process.pid;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  }

  /** Create the folder if needed and repair whatever an earlier crash left. */
  static async open(options: CacheOpenOptions = {}): Promise<DownloadCache> {
    const limit = options.limit ?? DEFAULT_CACHE_LIMIT;
    if (!Number.isSafeInteger(limit) || limit <= 0) {
      throw new FerryError(ErrorCode.BadRequest, `cache limit must be a positive whole number of bytes, not ${limit}`);
    }
    const cache = new DownloadCache(path.resolve(options.dir ?? defaultCacheDir()), limit, options);
    const l = cache.#layout;
    try {
      for (const d of [l.root, l.objects, l.tmp, l.parts]) await mkdir(d, { recursive: true });
    } catch (error) {
      throw ioError(error, `creating the cache folder ${l.root}`);
    }
    await cache.#locked(async () => {
      cache.#report = (await cache.#recover(await readIndex(l))).report;
    });
    return cache;
  }

  /**
   * Bring a just-read index in line with the folder: migrate a version 1
   * index, rebuild a torn one, drop what a crash left. Lock held.
   */
  async #recover(read: ReadResult): Promise<{ data: IndexData; report: RepairReport }> {
    const l = this.#layout;
    let { data } = read;
    let upgrade: RepairReport['upgrade'];
    let before = read.torn ? '' : serializeIndex(data);
    if (read.legacy) {
      ({ data, upgrade } = await migrateLegacy(l, read.legacy));
      await this.#write(data); // before the repair deletes the old names (migrate.ts)
      before = serializeIndex(data);
    } else if (read.torn) {
      const old = legacyObjectCount(await readdir(l.objects));
      if (old > 0) upgrade = { from: 1, how: 'rebuilt', kept: 0, dropped: old };
    }
    const report = await repair(l, data, read.torn, this.limit);
    if (upgrade) report.upgrade = upgrade;
    if (serializeIndex(data) !== before) await this.#write(data);
    return { data, report };
  }

  /** What the startup check found and fixed (see describeRepair for the line to show). */
  get repairReport(): RepairReport {
    return this.#report ?? { tornIndex: false, adopted: [], dropped: [], deleted: [], evicted: [] };
  }

  fits(size: number): boolean {
    return Number.isFinite(size) && size >= 0 && size <= this.limit;
  }

  async lookup(blake3: string): Promise<CacheEntryInfo | undefined> {
    const key = blake3.toLowerCase();
    const entry = (await readIndex(this.#layout)).data.entries.get(key);
    return entry ? toInfo(key, entry) : undefined;
  }

  /**
   * Copy the content with this BLAKE3 root to destAbs. False (a miss) when it
   * is not here, or when its bytes no longer hash to the root: such an entry
   * is evicted, and nothing is written at destAbs. Without `overwrite`, a file
   * already at destAbs is kept and this fails with EXISTS.
   */
  async materialize(blake3: string, destAbs: string, origin: { remotePath: string; server: string }, options: MaterializeOptions = {}): Promise<boolean> {
    // The copy that follows a fresh download is not a hit: only content that
    // was already here when asked for counts.
    const countHit = options.countHit ?? true;
    const key = blake3.toLowerCase();
    if (!KEY_RE.test(key)) return false;
    const l = this.#layout;
    const pin = tempName(l.tmp, this.#pid, 'pin');
    // Under the lock, pin the content with a private hard link: a concurrent
    // eviction may unlink objects/<root>, but the pin keeps the bytes, so the
    // (possibly slow) copy and check run without holding everyone else up.
    const pinned = await this.#locked(async () => {
      const data = await this.#readLocked();
      const entry = data.entries.get(key);
      if (!entry) return undefined;
      const src = contentPath(l, key);
      let linked = true;
      try {
        await link(src, pin);
      } catch (error) {
        if (errCode(error) === 'ENOENT') return this.#forget(data, key);
        await cloneDurable(src, pin); // no hard links on this filesystem: copy under the lock
        linked = false;
      }
      const st = await stat(pin);
      if (st.size !== entry.size) {
        await unlinkQuiet(pin);
        return this.#forget(data, key);
      }
      return { size: entry.size, ino: linked ? st.ino : undefined };
    });
    if (!pinned) return false;
    try {
      await this.#at('materialize:pinned');
      await this.#sweep(path.dirname(destAbs));
      if (
        !(await copyOutChecked(pin, destAbs, {
          pid: this.#pid,
          blake3: key,
          size: pinned.size,
          overwrite: options.overwrite ?? false,
          ...(options.mtimeMs !== undefined ? { mtimeMs: options.mtimeMs } : {}),
        }))
      ) {
        await this.#evictDamaged(key, pinned.ino);
        return false;
      }
    } finally {
      await unlinkQuiet(pin);
    }
    await this.#locked(async () => {
      const data = await this.#readLocked();
      if (countHit) data.hits += 1;
      const entry = data.entries.get(key);
      if (entry) {
        data.seq += 1;
        entry.remotePath = origin.remotePath;
        entry.server = origin.server;
        if (countHit) entry.hits += 1;
        entry.lastAccess = new Date().toISOString();
        entry.seq = data.seq;
      }
      await this.#write(data);
    });
    return true;
  }

  /**
   * Drop an entry whose content failed its check, unless the object was
   * replaced meanwhile (`ino` is the pin's inode; undefined when the pin was
   * a copy, and then the object is the suspect).
   */
  async #evictDamaged(key: string, ino: number | undefined): Promise<void> {
    await this.#locked(async () => {
      const data = await this.#readLocked();
      if (!data.entries.has(key)) return;
      const now = await stat(contentPath(this.#layout, key)).catch(() => undefined);
      if (ino === undefined || !now || now.ino === ino) await this.#forget(data, key);
    });
  }

  /** Remove dead processes' leftover temps from a destination folder, once per folder. */
  async #sweep(dir: string): Promise<void> {
    if (this.#swept.has(dir)) return;
    if (this.#swept.size >= SWEPT_MAX) this.#swept.clear();
    this.#swept.add(dir);
    // Best effort: a folder we may not list or clean is no reason to fail a copy.
    await sweepLeftovers(dir).catch(() => undefined);
  }

  /**
   * The stable .part and sidecar for a remote file. Another process may be
   * writing them; claimPart says who may.
   */
  partPaths(server: string, remotePath: string): { part: string; sidecar: string } {
    const part = path.join(this.#layout.parts, `${partKey(server, remotePath)}.part`);
    return { part, sidecar: `${part}.json` };
  }

  /**
   * Exclusive use of a .part for a remote file: the stable (resumable) one
   * of partPaths when no other live process holds it, else a private one.
   * Call release() when done with it (after admit, or on failure).
   */
  claimPart(server: string, remotePath: string): Promise<PartClaim> {
    return claimPart(this.#layout.parts, this.#layout.tmp, partKey(server, remotePath), this.#pid);
  }

  /**
   * Move `file` into the cache under its BLAKE3 root. The root is computed
   * here: when it differs from info.blake3 this fails with CHECKSUM_MISMATCH
   * and admits nothing (the file is left where it was).
   */
  async admit(file: string, info: AdmitInfo): Promise<string> {
    const key = info.blake3.toLowerCase();
    const md5 = info.md5.toLowerCase();
    const l = this.#layout;
    if (!KEY_RE.test(key)) throw new FerryError(ErrorCode.BadRequest, `not a BLAKE3 root: ${info.blake3}`);
    if (!MD5_RE.test(md5)) throw new FerryError(ErrorCode.BadRequest, `not an MD5: ${info.md5}`);
    if (!this.fits(info.size)) {
      throw new FerryError(ErrorCode.TooLarge, `${formatBytes(info.size)} does not fit in the cache (${formatBytes(this.limit)})`);
    }
    const st = await stat(file);
    if (st.size !== info.size) {
      throw new FerryError(ErrorCode.Internal, `${file} holds ${st.size} bytes, not the ${info.size} expected`);
    }
    // The move under the lock must be a rename, so bring a file from another
    // filesystem over first (outside the lock: it may be large).
    let source = file;
    if (st.dev !== (await stat(l.objects)).dev) {
      source = tempName(l.tmp, this.#pid, 'admit');
      await cloneDurable(file, source);
    } else {
      await fsyncPath(file); // the index must never name bytes a power cut could lose
    }
    // Hash what will be stored (the copy, when there is one), outside the lock.
    const actual = (await hashFile(source, info.size))?.blake3;
    if (actual !== key) {
      if (source !== file) await unlinkQuiet(source);
      throw new FerryError(ErrorCode.ChecksumMismatch, `${file}: its BLAKE3 root is ${actual ?? 'unreadable'}, not ${key} as claimed; not cached`);
    }
    let stored: string;
    try {
      stored = await this.#locked(() => this.#admitLocked(source, { ...info, blake3: key, md5 }));
    } catch (error) {
      if (source !== file) await unlinkQuiet(source);
      throw ioError(error, 'adding to the cache');
    }
    if (source !== file) await unlinkQuiet(file); // a move, like the same-filesystem case
    return stored;
  }

  async #admitLocked(source: string, info: AdmitInfo) {
    const l = this.#layout;
    const { blake3: key, md5, size, remotePath, server } = info;
    const data = await this.#readLocked();
    const target = contentPath(l, key);
    const now = new Date().toISOString();
    data.misses += 1;
    data.seq += 1;
    const existing = data.entries.get(key);
    if (existing && (await fileSize(target)) === existing.size) {
      // Same content already cached (another process got there first). The
      // bytes just checked replace the object all the same: the old ones are
      // only checked when handed out, and may have rotted since.
      await rename(source, target);
      await fsyncPath(l.objects);
      Object.assign(existing, { remotePath, server, lastAccess: now, seq: data.seq });
      await this.#write(data);
      return target;
    }
    data.entries.delete(key);
    const victims = pickVictims(data, size, this.limit);
    const intent: Intent = { blake3: key, md5, size, remotePath, server, added: now };
    await writeDurable(intentPath(l, key), tempName(l.tmp, this.#pid, 'intent'), JSON.stringify(intent));
    await this.#at('admit:intent-written');
    try {
      await rename(source, target);
      await fsyncPath(l.objects);
      await this.#at('admit:content-placed');
      for (const v of victims) data.entries.delete(v);
      data.entries.set(key, { md5, size, remotePath, server, lastAccess: now, added: now, hits: 0, seq: data.seq });
      await this.#write(data);
    } catch (error) {
      // Give the caller its file back rather than leave an unindexed copy.
      await rename(target, source).catch(() => undefined);
      await unlinkQuiet(intentPath(l, key));
      throw error;
    }
    await this.#at('admit:index-written');
    for (const v of victims) await unlinkQuiet(contentPath(l, v));
    await unlinkQuiet(intentPath(l, key));
    return target;
  }

  async list(): Promise<CacheEntryInfo[]> {
    const { data } = await readIndex(this.#layout);
    return byRecency(data).map(([key, e]) => toInfo(key, e));
  }

  async stats(): Promise<CacheStats> {
    const { data } = await readIndex(this.#layout);
    return {
      dir: this.dir,
      entries: data.entries.size,
      bytes: totalBytes(data),
      limit: this.limit,
      hits: data.hits,
      misses: data.misses,
    };
  }

  /** Remove every entry (lifetime hit/miss counters stay). Resumable .part files are kept. */
  async clear(): Promise<void> {
    await this.#locked(async () => {
      const data = await this.#readLocked();
      data.entries.clear();
      await this.#write(data);
      await this.#at('remove:index-written');
      // Under the lock nothing is mid-admit, so all of objects/ is ours to drop.
      for (const name of await readdir(this.#layout.objects)) {
        await unlinkQuiet(path.join(this.#layout.objects, name));
      }
    });
  }

  /** Remove entries by BLAKE3 root, by MD5, or by remote path; returns how many went. */
  async remove(keyOrRemotePath: string): Promise<number> {
    const asHash = keyOrRemotePath.trim().toLowerCase();
    const asPath = normalizeRemote(keyOrRemotePath.trim());
    return this.#locked(async () => {
      const data = await this.#readLocked();
      const gone = [...data.entries].filter(([key, e]) => key === asHash || e.md5 === asHash || normalizeRemote(e.remotePath) === asPath);
      if (gone.length === 0) return 0;
      for (const [key] of gone) data.entries.delete(key);
      await this.#write(data); // index first: a kill now leaves orphans the repair deletes
      await this.#at('remove:index-written');
      for (const [key] of gone) await unlinkQuiet(contentPath(this.#layout, key));
      return gone.length;
    });
  }

  #locked<T>(fn: () => Promise<T>): Promise<T> {
    return withLock(this.#layout, { pid: this.#pid, timeoutMs: this.#lockTimeoutMs }, fn);
  }

  /**
   * The index, repaired first if something damaged it since open (or a
   * process of the previous version rewrote it in its format). Lock held.
   */
  async #readLocked(): Promise<IndexData> {
    const read = await readIndex(this.#layout);
    if (!read.torn && !read.legacy) return read.data;
    return (await this.#recover(read)).data;
  }

  async #write(data: IndexData): Promise<void> {
    const at = this.#hooks.at;
    await writeIndex(this.#layout, data, this.#pid, at ? async () => at('index:temp-written') : undefined);
  }

  async #at(point: CrashPoint): Promise<void> {
    await this.#hooks.at?.(point);
  }

  /** Drop an entry whose content is gone or damaged. Lock held. */
  async #forget(data: IndexData, key: string): Promise<undefined> {
    data.entries.delete(key);
    await unlinkQuiet(contentPath(this.#layout, key));
    await this.#write(data);
    return undefined;
  }
}

/** parts/ names: one per server and remote path, the same in every process. */
function partKey(server: string, remotePath: string): string {
  return createHash('sha256')
    .update(`${server}\n${normalizeRemote(remotePath)}`)
    .digest('hex')
    .slice(0, 32);
}
