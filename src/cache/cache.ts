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
// made under one lock file (lock.ts), by a view of the index that is first
// brought up to date and then appends the change to the index's journal
// (index-store.ts): eviction needs a consistent view of the whole cache, and
// holds are short (no copying under the lock). Each instance keeps the index
// in memory and reads only what other processes appended since it last
// looked, so a lookup or an admit costs O(1), not a read (and rewrite) of the
// whole index; readers without the lock (lookup, list, stats) apply only
// complete lines, so they never see half a change.
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
import { byRecency, emptyIndex, type IndexData, type IndexEntry, serializeIndex, toInfo } from './index-file.js';
import { type IndexIo, IndexStore, type View } from './index-store.js';
import type { Change } from './journal.js';
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
  readonly #store: IndexStore;

  private constructor(dir: string, limit: number, options: CacheOpenOptions) {
    this.dir = dir;
    this.limit = limit;
    this.#layout = layoutOf(dir);
    this.#hooks = options.hooks ?? {};
    this.#pid = this.#hooks.pid ?? process.pid;
    this.#lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    const at = this.#hooks.at;
    this.#store = new IndexStore(this.#layout, {
      pid: this.#pid,
      ...(at ? { at: async (p: CrashPoint) => at(p) } : {}),
      ...(this.#hooks.compactAfter !== undefined ? { compactAfter: this.#hooks.compactAfter } : {}),
    });
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
      cache.#report = await cache.#recover(await cache.#store.refresh(true));
    });
    return cache;
  }

  /**
   * Bring a just-read index in line with the folder: migrate a version 1
   * index, rebuild a torn one, pair a snapshot with a journal, drop what a
   * crash left. Lock held.
   */
  async #recover(view: View): Promise<RepairReport> {
    const l = this.#layout;
    const problem = view.problem;
    let data = view.data;
    let upgrade: RepairReport['upgrade'];
    let before = problem ? '' : serializeIndex(data);
    if (problem?.legacy) {
      ({ data, upgrade } = await migrateLegacy(l, problem.legacy));
      await this.#store.replace(data); // before the repair deletes the old names (migrate.ts)
      before = serializeIndex(data);
    } else if (problem?.torn) {
      const old = legacyObjectCount(await readdir(l.objects));
      if (old > 0) upgrade = { from: 1, how: 'rebuilt', kept: 0, dropped: old };
    }
    const torn = (problem?.torn ?? false) || (problem?.damaged ?? false);
    try {
      const report = await repair(l, data, torn, this.limit);
      if (upgrade) report.upgrade = upgrade;
      if (serializeIndex(data) !== before) await this.#store.replace(data);
      return report;
    } catch (error) {
      this.#store.invalidate(); // the repair may have changed the view's data half way
      throw error;
    }
  }

  /** Bytes of index this instance has read and written (for tests of its cost). */
  get indexIo(): Readonly<IndexIo> {
    return this.#store.io;
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
    const entry = (await this.#store.refresh(false)).data.entries.get(key);
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
      const entry = (await this.#readLocked()).data.entries.get(key);
      if (!entry) return undefined;
      const src = contentPath(l, key);
      let linked = true;
      try {
        await link(src, pin);
      } catch (error) {
        if (errCode(error) === 'ENOENT') return this.#forget(key);
        await cloneDurable(src, pin); // no hard links on this filesystem: copy under the lock
        linked = false;
      }
      const st = await stat(pin);
      if (st.size !== entry.size) {
        await unlinkQuiet(pin);
        return this.#forget(key);
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
    // The touch is not synced (index-store.ts): a crash may lose it, which
    // costs LRU order and a hit count, never an entry.
    await this.#locked(async () => {
      const { data } = await this.#readLocked();
      const entry = data.entries.get(key);
      const hit = countHit ? 1 : 0;
      const change: Change = { hits: hit };
      if (entry) {
        change.key = key;
        change.entry = {
          ...entry,
          remotePath: origin.remotePath,
          server: origin.server,
          hits: entry.hits + hit,
          lastAccess: new Date().toISOString(),
          seq: data.seq + 1,
        };
      }
      if (entry || hit) await this.#store.commit([change], false);
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
      if (!(await this.#readLocked()).data.entries.has(key)) return;
      const now = await stat(contentPath(this.#layout, key)).catch(() => undefined);
      if (ino === undefined || !now || now.ino === ino) await this.#forget(key);
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
    const { data, bytes } = await this.#readLocked();
    const target = contentPath(l, key);
    const now = new Date().toISOString();
    const seq = data.seq + 1;
    const existing = data.entries.get(key);
    if (existing && (await fileSize(target)) === existing.size) {
      // Same content already cached (another process got there first). The
      // bytes just checked replace the object all the same: the old ones are
      // only checked when handed out, and may have rotted since.
      await rename(source, target);
      await fsyncPath(l.objects);
      await this.#store.commit([{ key, entry: { ...existing, remotePath, server, lastAccess: now, seq }, misses: 1 }], true);
      return target;
    }
    const victims = victimsFor(data, key, bytes - (existing?.size ?? 0) + size, this.limit);
    const intent: Intent = { blake3: key, md5, size, remotePath, server, added: now };
    await writeDurable(intentPath(l, key), tempName(l.tmp, this.#pid, 'intent'), JSON.stringify(intent));
    await this.#at('admit:intent-written');
    try {
      await rename(source, target);
      await fsyncPath(l.objects);
      await this.#at('admit:content-placed');
      const entry: IndexEntry = { md5, size, remotePath, server, lastAccess: now, added: now, hits: 0, seq };
      const changes: Change[] = victims.map((v) => ({ key: v, entry: null }));
      changes.push({ key, entry, misses: 1 });
      await this.#store.commit(changes, true);
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
    const { data } = await this.#store.refresh(false);
    return byRecency(data).map(([key, e]) => toInfo(key, e));
  }

  async stats(): Promise<CacheStats> {
    const { data, bytes } = await this.#store.refresh(false);
    return {
      dir: this.dir,
      entries: data.entries.size,
      bytes,
      limit: this.limit,
      hits: data.hits,
      misses: data.misses,
    };
  }

  /** Remove every entry (lifetime hit/miss counters stay). Resumable .part files are kept. */
  async clear(): Promise<void> {
    await this.#locked(async () => {
      const { data } = await this.#readLocked();
      await this.#store.replace({ ...emptyIndex(), seq: data.seq, hits: data.hits, misses: data.misses });
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
      const { data } = await this.#readLocked();
      const gone = [...data.entries].filter(([key, e]) => key === asHash || e.md5 === asHash || normalizeRemote(e.remotePath) === asPath);
      if (gone.length === 0) return 0;
      // Index first: a kill now leaves orphans the repair deletes.
      await this.#store.commit(
        gone.map(([key]) => ({ key, entry: null })),
        true,
      );
      await this.#at('remove:index-written');
      for (const [key] of gone) await unlinkQuiet(contentPath(this.#layout, key));
      return gone.length;
    });
  }

  #locked<T>(fn: () => Promise<T>): Promise<T> {
    return withLock(this.#layout, { pid: this.#pid, timeoutMs: this.#lockTimeoutMs }, fn);
  }

  /**
   * The index, up to date, repaired first if something damaged it since open
   * (or a process of an earlier version rewrote it in its format). Lock held.
   */
  async #readLocked(): Promise<View> {
    const view = await this.#store.refresh(true);
    if (!view.problem) return view;
    await this.#recover(view);
    return this.#store.refresh(true);
  }

  async #at(point: CrashPoint): Promise<void> {
    await this.#hooks.at?.(point);
  }

  /** Drop an entry whose content is gone or damaged. Lock held, view fresh. */
  async #forget(key: string): Promise<undefined> {
    await unlinkQuiet(contentPath(this.#layout, key));
    await this.#store.commit([{ key, entry: null }], true);
    return undefined;
  }
}

/**
 * Least recently used entries (other than `key`) to drop so that the cache,
 * holding `total` bytes with the incoming file, fits under `limit`. Walks
 * the index in its order (oldest first), so it costs only the victims.
 */
function victimsFor(data: IndexData, key: string, total: number, limit: number): string[] {
  const victims: string[] = [];
  for (const [k, e] of data.entries) {
    if (total <= limit) break;
    if (k === key) continue;
    victims.push(k);
    total -= e.size;
  }
  return victims;
}

/** parts/ names: one per server and remote path, the same in every process. */
function partKey(server: string, remotePath: string): string {
  return createHash('sha256')
    .update(`${server}\n${normalizeRemote(remotePath)}`)
    .digest('hex')
    .slice(0, 32);
}
