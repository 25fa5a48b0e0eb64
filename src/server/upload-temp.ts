// Upload temp files: their names, and removing the ones a dead server left.
//
// An upload is received into `.ferry-upload-<pid>-<stamp>-<random>` beside its
// target and renamed into place at the end. A server killed mid-upload (kill -9,
// power loss) leaves that file behind, hidden from clients and never removed.
// The name says which process wrote it, so a server starting on the same share
// can remove the ones whose writer is gone, and never a live server's.

import { randomBytes } from 'node:crypto';
import { constants, existsSync, type Dir } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';

const PREFIX = '.ferry-upload-';
// The process start stamp tells this process from an earlier one with the same
// pid (a container restarting ferry as pid 1 every time).
const OWNER = `${process.pid}-${Date.now().toString(36)}`;
const NAME = /^\.ferry-upload-(\d+)-([0-9a-z]+)-[0-9a-f]+$/;
const PROC_FD = process.platform === 'linux' && existsSync(`/proc/${process.pid}/fd`) ? `/proc/${process.pid}/fd` : undefined;
// Entries looked at between yields to the event loop: the walk runs beside live requests.
const WALK_SLICE = 256;

/** A fresh temp name for an upload written by this process. */
export function uploadTempName(): string {
  return `${PREFIX}${OWNER}-${randomBytes(6).toString('hex')}`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/**
 * May this temp file be removed? Yes when its writer is gone (a dead pid, or
 * this process's pid with another start stamp), or when it is older than
 * maxAgeMs: a pid that is alive may belong to a server on the same share, or
 * to an unrelated process that reused the pid, and only age tells them apart.
 * Names without an owner (an older ferry's) go by age alone.
 */
export function isStaleUploadTemp(name: string, mtimeMs: number, now: number, maxAgeMs: number, alive = processAlive): boolean {
  if (!name.startsWith(PREFIX)) return false;
  const old = now - mtimeMs > maxAgeMs;
  const m = NAME.exec(name);
  if (!m) return old;
  const pid = Number(m[1]);
  if (`${pid}-${m[2]}` === OWNER) return false; // ours: an upload running now
  if (pid === process.pid) return true; // our pid, an earlier life
  return old || !alive(pid);
}

export interface CleanupOptions {
  maxAgeMs: number;
  /** Entries looked at before giving up: the walk must not cost time in proportion to a huge share. */
  maxEntries: number;
  /** Folder depth below the root; the walk holds one open folder per level. */
  maxDepth: number;
  /** Real paths the walk must not enter (ferry's own state inside the share). */
  skip?: (real: string) => boolean;
  /**
   * Remove a stale temp FOLDER (a folder copy a stopped server left), named by
   * `at` through the held parent, at most `budget` entries; resolves with the
   * entries removed and whether it is gone. Without it such folders are left
   * (and not walked into).
   */
  removeFolder?: (at: string, budget: number) => Promise<{ entries: number; gone: boolean }>;
  signal?: AbortSignal;
}

export interface CleanupReport {
  removed: number;
  entries: number;
  /** The whole share was walked (false: stopped at a bound or by the signal). */
  complete: boolean;
}

interface OpenFolder {
  dir: Dir;
  handle?: FileHandle;
  /** Prefix naming entries of this folder (through its descriptor on Linux). */
  at: string;
  real: string;
}

/** Open a folder without following a symlink, proven to be where the walk expects. */
async function openFolder(where: string, root: string): Promise<OpenFolder | undefined> {
  if (!PROC_FD) {
    const dir = await fs.opendir(where);
    return { dir, at: where + path.sep, real: where };
  }
  const handle = await fs.open(where, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    const real = await fs.readlink(`${PROC_FD}/${handle.fd}`);
    // A folder swapped for a symlink to outside is not followed (O_NOFOLLOW on its
    // last name); this also catches a swap higher up.
    if (real !== root && !real.startsWith(root + path.sep)) {
      await handle.close();
      return undefined;
    }
    const at = `${PROC_FD}/${handle.fd}/`;
    return { dir: await fs.opendir(at), handle, at, real };
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}

async function closeFolder(f: OpenFolder): Promise<void> {
  await f.dir.close().catch(() => undefined);
  await f.handle?.close().catch(() => undefined);
}

/**
 * Walk the share depth first and remove stale upload temp files. Memory is one
 * open folder per level, never a list of the share; the walk is bounded in
 * entries and depth, yields between slices, and stops when signalled.
 */
export async function removeStaleUploads(root: string, options: CleanupOptions): Promise<CleanupReport> {
  const report: CleanupReport = { removed: 0, entries: 0, complete: false };
  const stack: OpenFolder[] = [];
  try {
    const top = await openFolder(root, root);
    if (!top) return report;
    stack.push(top);
    while (stack.length > 0) {
      if (options.signal?.aborted || report.entries >= options.maxEntries) return report;
      const folder = stack.at(-1)!;
      const entry = await folder.dir.read().catch(() => null);
      if (!entry) {
        await closeFolder(stack.pop()!);
        continue;
      }
      if (++report.entries % WALK_SLICE === 0) await new Promise<void>((r) => setImmediate(r));
      const real = folder.real + path.sep + entry.name;
      if (options.skip?.(real)) continue;
      if (entry.isDirectory() && entry.name.startsWith(PREFIX)) {
        // A folder copy's temp folder: whole or not at all, never walked for temp files of its own.
        const stat = await fs.lstat(folder.at + entry.name).catch(() => undefined);
        if (options.removeFolder && stat?.isDirectory() && isStaleUploadTemp(entry.name, stat.mtimeMs, Date.now(), options.maxAgeMs)) {
          const { entries, gone } = await options.removeFolder(folder.at + entry.name, Math.max(0, options.maxEntries - report.entries));
          report.entries += entries;
          if (gone) report.removed++;
        }
      } else if (entry.isDirectory()) {
        if (stack.length > options.maxDepth) continue;
        const sub = await openFolder(folder.at + entry.name, root).catch(() => undefined);
        if (sub) stack.push(sub);
      } else if (entry.isFile() && entry.name.startsWith(PREFIX)) {
        const stat = await fs.lstat(folder.at + entry.name).catch(() => undefined);
        if (stat?.isFile() && isStaleUploadTemp(entry.name, stat.mtimeMs, Date.now(), options.maxAgeMs)) {
          await fs.unlink(folder.at + entry.name).then(
            () => report.removed++,
            () => undefined,
          );
        }
      }
    }
    report.complete = true;
    return report;
  } catch {
    return report; // the root itself could not be read: nothing to clean
  } finally {
    for (const f of stack) await closeFolder(f);
  }
}
