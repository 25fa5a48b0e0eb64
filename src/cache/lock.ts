// A lock file that serialises changes to one cache folder across processes
// (and across DownloadCache instances inside one process: each holder makes
// its own file, so they exclude each other the same way).
//
// Taking it: write "{pid, host, nonce}" to a private temp file, then link()
// that to `lock`. link fails with EEXIST when the lock is held, atomically, and
// the lock file never exists half-written (open(O_EXCL)+write could be killed
// between the two, leaving an empty lock nobody can attribute).
//
// Stale locks: a holder on this host whose pid is gone, or any lock older than
// LOCK_STALE_MS (covers pid reuse and other hosts; holds last milliseconds,
// since nothing slow runs under the lock). Breaking one is rename-then-check:
// only one breaker can rename a given file away, and if what it got was not
// the stale lock it inspected (a new holder got in between), it links it back.

import { link, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import { errCode, ioError, pidAlive, tempName, unlinkQuiet } from './fsutil.js';
import type { Layout } from './layout.js';

export const LOCK_STALE_MS = 5 * 60_000;
export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

export interface Holder {
  pid: number;
  host: string;
  nonce: string;
}

export function parseHolder(text: string): Holder | undefined {
  try {
    const v = JSON.parse(text) as Partial<Holder>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.nonce === 'string') {
      return { pid: v.pid, host: v.host, nonce: v.nonce };
    }
  } catch {
    // fall through: unreadable means nobody can claim it
  }
  return undefined;
}

export async function readText(p: string): Promise<string | undefined> {
  try {
    return await readFile(p, 'utf8');
  } catch (error) {
    if (errCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

async function isStale(layout: Layout, text: string): Promise<boolean> {
  const holder = parseHolder(text);
  if (!holder) return true;
  if (holder.host === hostname() && !pidAlive(holder.pid)) return true;
  try {
    return Date.now() - (await stat(layout.lock)).mtimeMs > LOCK_STALE_MS;
  } catch {
    return false; // gone already: the next attempt will tell
  }
}

/**
 * Move aside the lock file at `lock` that read as `staleText`; put it back if
 * what was moved is not that (see breakLock). Also used for part claims.
 */
export async function breakLockAt(lock: string, tmpDir: string, pid: number, staleText: string): Promise<void> {
  const aside = tempName(tmpDir, pid, 'broken-lock');
  try {
    await rename(lock, aside);
  } catch (error) {
    if (errCode(error) === 'ENOENT') return; // someone else broke it first
    throw error;
  }
  const got = await readText(aside);
  if (got !== staleText) {
    // A new holder took the lock between our read and our rename: give it
    // back. EEXIST here would mean a third process already re-took it; the
    // window for that is two syscalls after a crash, and the worst outcome
    // is two writers racing once, which the repair on next open absorbs.
    try {
      await link(aside, lock);
    } catch (error) {
      if (errCode(error) !== 'EEXIST') throw error;
    }
  }
  await unlinkQuiet(aside);
}

function breakLock(layout: Layout, pid: number, staleText: string): Promise<void> {
  return breakLockAt(layout.lock, layout.tmp, pid, staleText);
}

export interface LockOptions {
  pid: number;
  timeoutMs: number;
}

/** Run fn while holding the cache's lock. */
export async function withLock<T>(layout: Layout, options: LockOptions, fn: () => Promise<T>): Promise<T> {
  const nonce = await acquire(layout, options);
  try {
    return await fn();
  } finally {
    await release(layout, nonce);
  }
}

async function acquire(layout: Layout, { pid, timeoutMs }: LockOptions): Promise<string> {
  const nonce = randomBytes(8).toString('hex');
  const mine = JSON.stringify({ pid, host: hostname(), nonce });
  const temp = tempName(layout.tmp, pid, 'lock');
  try {
    await writeFile(temp, mine, { flag: 'wx' });
  } catch (error) {
    throw ioError(error, 'creating the cache lock');
  }
  const deadline = Date.now() + timeoutMs;
  let backoff = 1;
  try {
    for (;;) {
      try {
        await link(temp, layout.lock);
        return nonce;
      } catch (error) {
        if (errCode(error) !== 'EEXIST') throw ioError(error, 'taking the cache lock');
      }
      const held = await readText(layout.lock);
      if (held === undefined) continue; // released between our link and read
      if (await isStale(layout, held)) {
        await breakLock(layout, pid, held);
        continue;
      }
      if (Date.now() >= deadline) {
        const who = parseHolder(held);
        throw new FerryError(ErrorCode.Timeout, `the cache at ${layout.root} is locked by process ${who ? `${who.pid} on ${who.host}` : '?'}`);
      }
      // Holds are short (index rewrites), so poll quickly and back off a little.
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(backoff * 2, 25);
    }
  } finally {
    await unlinkQuiet(temp);
  }
}

async function release(layout: Layout, nonce: string): Promise<void> {
  const held = await readText(layout.lock);
  // Only remove our own lock: if it was broken as stale (we were paused for
  // minutes), the file now belongs to someone else.
  if (held !== undefined && parseHolder(held)?.nonce === nonce) {
    try {
      await unlink(layout.lock);
    } catch (error) {
      if (errCode(error) !== 'ENOENT') throw error;
    }
  }
}
