// The client's download cache: content-addressed by MD5, bounded in size,
// least-recently-used entries evicted first. Layout in layout.ts.
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
// MD5. We clone instead (fsutil.cloneDurable: copy-on-write where the
// filesystem can, a real copy where it cannot). Hard links are used only for
// private "pins" inside the cache (see materialize).

import { createHash } from 'node:crypto';
import { link, mkdir, readdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import envPaths from 'env-paths';
import type { CacheApi, CacheEntryInfo, CacheStats } from './types.js';
import { formatBytes } from '../format.js';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import { cloneDurable, cloneInto, errCode, fileSize, fsyncPath, ioError, tempName, unlinkQuiet, writeDurable } from './fsutil.js';
import { byRecency, type IndexData, pickVictims, readIndex, serializeIndex, toInfo, totalBytes, writeIndex } from './index-file.js';
import { contentPath, intentPath, layoutOf, MD5_RE, type Layout } from './layout.js';
import { DEFAULT_LOCK_TIMEOUT_MS, withLock } from './lock.js';
import { type CacheHooks, type CacheOpenOptions, type CrashPoint, normalizeRemote } from './options.js';
import { type Intent, repair, type RepairReport } from './repair.js';

export const DEFAULT_CACHE_LIMIT = 1024 ** 3;

export function defaultCacheDir(): string {
  return envPaths('ferry', { suffix: '' }).cache;
}

export type { CacheHooks, CacheOpenOptions, CrashPoint } from './options.js';

export class DownloadCache implements CacheApi {
  readonly dir: string;
  readonly limit: number;
  readonly #layout: Layout;
  readonly #pid: number;
  readonly #lockTimeoutMs: number;
  readonly #hooks: CacheHooks;
  #report: RepairReport | undefined;

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
      const { data, torn } = await readIndex(l);
      const before = torn ? '' : serializeIndex(data);
      cache.#report = await repair(l, data, torn, limit);
      if (serializeIndex(data) !== before) await cache.#write(data);
    });
    return cache;
  }

  /** What the startup check found and fixed. */
  get repairReport(): RepairReport {
    return this.#report ?? { tornIndex: false, adopted: [], dropped: [], deleted: [], evicted: [] };
  }

  fits(size: number): boolean {
    return Number.isFinite(size) && size >= 0 && size <= this.limit;
  }

  async lookup(md5: string): Promise<CacheEntryInfo | undefined> {
    const key = md5.toLowerCase();
    const entry = (await readIndex(this.#layout)).data.entries.get(key);
    return entry ? toInfo(key, entry) : undefined;
  }

  async materialize(md5: string, destAbs: string, origin: { remotePath: string; server: string }, options: { countHit?: boolean } = {}): Promise<boolean> {
    // The copy that follows a fresh download is not a hit: only content that
    // was already here when asked for counts.
    const countHit = options.countHit ?? true;
    const key = md5.toLowerCase();
    const l = this.#layout;
    const pin = tempName(l.tmp, this.#pid, 'pin');
    // Under the lock, pin the content with a private hard link: a concurrent
    // eviction may unlink objects/<md5>, but the pin keeps the bytes, so the
    // (possibly slow) copy runs without holding everyone else up.
    const pinned = await this.#locked(async () => {
      const data = await this.#readLocked();
      const entry = data.entries.get(key);
      if (!entry) return false;
      const src = contentPath(l, key);
      try {
        await link(src, pin);
      } catch (error) {
        if (errCode(error) === 'ENOENT') return this.#forget(data, key);
        await cloneDurable(src, pin); // no hard links on this filesystem: copy under the lock
      }
      if ((await fileSize(pin)) !== entry.size) {
        await unlinkQuiet(pin);
        return this.#forget(data, key);
      }
      return true;
    });
    if (!pinned) return false;
    try {
      await this.#at('materialize:pinned');
      await cloneInto(pin, destAbs, this.#pid);
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

  partPaths(server: string, remotePath: string): { part: string; sidecar: string } {
    const key = createHash('sha256')
      .update(`${server}\n${normalizeRemote(remotePath)}`)
      .digest('hex')
      .slice(0, 32);
    const part = path.join(this.#layout.parts, `${key}.part`);
    return { part, sidecar: `${part}.json` };
  }

  async admit(file: string, info: { md5: string; size: number; remotePath: string; server: string }): Promise<string> {
    const md5 = info.md5.toLowerCase();
    const l = this.#layout;
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
    let stored: string;
    try {
      stored = await this.#locked(() => this.#admitLocked(source, { ...info, md5 }));
    } catch (error) {
      if (source !== file) await unlinkQuiet(source);
      throw ioError(error, 'adding to the cache');
    }
    if (source !== file) await unlinkQuiet(file); // a move, like the same-filesystem case
    return stored;
  }

  async #admitLocked(source: string, info: { md5: string; size: number; remotePath: string; server: string }) {
    const l = this.#layout;
    const { md5, size, remotePath, server } = info;
    const data = await this.#readLocked();
    const target = contentPath(l, md5);
    const now = new Date().toISOString();
    data.misses += 1;
    data.seq += 1;
    const existing = data.entries.get(md5);
    if (existing && (await fileSize(target)) === existing.size) {
      // Same bytes already cached (another process got there first).
      Object.assign(existing, { remotePath, server, lastAccess: now, seq: data.seq });
      await this.#write(data);
      await unlinkQuiet(source);
      return target;
    }
    data.entries.delete(md5);
    const victims = pickVictims(data, size, this.limit);
    const intent: Intent = { md5, size, remotePath, server, added: now };
    await writeDurable(intentPath(l, md5), tempName(l.tmp, this.#pid, 'intent'), JSON.stringify(intent));
    await this.#at('admit:intent-written');
    try {
      await rename(source, target);
      await fsyncPath(l.objects);
      await this.#at('admit:content-placed');
      for (const v of victims) data.entries.delete(v);
      data.entries.set(md5, { size, remotePath, server, lastAccess: now, added: now, hits: 0, seq: data.seq });
      await this.#write(data);
    } catch (error) {
      // Give the caller its file back rather than leave an unindexed copy.
      await rename(target, source).catch(() => undefined);
      await unlinkQuiet(intentPath(l, md5));
      throw error;
    }
    await this.#at('admit:index-written');
    for (const v of victims) await unlinkQuiet(contentPath(l, v));
    await unlinkQuiet(intentPath(l, md5));
    return target;
  }

  async list(): Promise<CacheEntryInfo[]> {
    const { data } = await readIndex(this.#layout);
    return byRecency(data).map(([md5, e]) => toInfo(md5, e));
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

  async remove(md5OrRemotePath: string): Promise<number> {
    const asMd5 = md5OrRemotePath.trim().toLowerCase();
    const asPath = normalizeRemote(md5OrRemotePath.trim());
    return this.#locked(async () => {
      const data = await this.#readLocked();
      const gone = [...data.entries].filter(([md5, e]) => md5 === asMd5 || normalizeRemote(e.remotePath) === asPath);
      if (gone.length === 0) return 0;
      for (const [md5] of gone) data.entries.delete(md5);
      await this.#write(data); // index first: a kill now leaves orphans the repair deletes
      await this.#at('remove:index-written');
      for (const [md5] of gone) await unlinkQuiet(contentPath(this.#layout, md5));
      return gone.length;
    });
  }

  #locked<T>(fn: () => Promise<T>): Promise<T> {
    return withLock(this.#layout, { pid: this.#pid, timeoutMs: this.#lockTimeoutMs }, fn);
  }

  /** The index, repaired first if something damaged it since open. Lock held. */
  async #readLocked(): Promise<IndexData> {
    const { data, torn } = await readIndex(this.#layout);
    if (torn) await repair(this.#layout, data, true, this.limit);
    return data;
  }

  async #write(data: IndexData): Promise<void> {
    const at = this.#hooks.at;
    await writeIndex(this.#layout, data, this.#pid, at ? async () => at('index:temp-written') : undefined);
  }

  async #at(point: CrashPoint): Promise<void> {
    await this.#hooks.at?.(point);
  }

  /** Drop an entry whose content is gone or damaged. Lock held. */
  async #forget(data: IndexData, md5: string): Promise<false> {
    data.entries.delete(md5);
    await unlinkQuiet(contentPath(this.#layout, md5));
    await this.#write(data);
    return false;
  }
}
