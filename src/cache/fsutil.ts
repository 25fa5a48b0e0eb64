// Small filesystem helpers for the cache: durable writes, pid liveness, temp
// names, and mapping disk-full errors onto FerryError.

import { constants as fsc } from 'node:fs';
import { copyFile, open, rename, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ErrorCode, FerryError } from '../protocol/errors.js';

/** Errors from the fs carry these fields. */
export interface ErrnoLike {
  code?: string;
}

export function errCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as ErrnoLike).code : undefined;
}

/**
 * Whether a process with this pid exists on this machine. EPERM means it
 * exists but belongs to someone else, which still counts as alive: a lock it
 * holds must not be broken.
 */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errCode(error) === 'EPERM';
  }
}

/**
 * A unique temp name that starts with the owner's pid, so the startup repair
 * can tell a dead process's leftovers from a live process's work in progress.
 */
export function tempName(dir: string, pid: number, kind: string): string {
  return path.join(dir, `${tempBase(pid)}.${kind}`);
}

export function tempBase(pid: number): string {
  return `${pid}-${randomBytes(6).toString('hex')}`;
}

/** The pid a temp name was made with (see tempName), or undefined. */
export function tempOwner(name: string): number | undefined {
  const m = /^(\d+)-/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Turn disk-full into the protocol's NO_SPACE; other errors pass through. */
export function ioError(error: unknown, what: string): unknown {
  const code = errCode(error);
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new FerryError(ErrorCode.NoSpace, `no space left while ${what}`);
  }
  return error;
}

/** fsync a file (or, with a directory path, the directory's entries). */
export async function fsyncPath(p: string): Promise<void> {
  const fh = await open(p, 'r');
  try {
    await fh.sync();
  } catch (error) {
    // Some filesystems refuse fsync on a directory (EINVAL); the rename is
    // then as durable as that filesystem makes it, which is all we can do.
    if (errCode(error) !== 'EINVAL') throw error;
  } finally {
    await fh.close();
  }
}

/** Write a whole file under a temp name, fsync it, and rename it into place. */
export async function writeDurable(target: string, temp: string, data: string, beforeRename?: (temp: string) => Promise<void>): Promise<void> {
  try {
    const fh = await open(temp, 'wx', 0o644);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (beforeRename) await beforeRename(temp);
    await rename(temp, target);
  } catch (error) {
    await unlinkQuiet(temp);
    throw ioError(error, `writing ${target}`);
  }
  await fsyncPath(path.dirname(target));
}

/**
 * Copy src to dest (which must not exist) and fsync it. COPYFILE_FICLONE asks
 * for a copy-on-write clone (btrfs, XFS, APFS): instant and sharing blocks but
 * not the inode, so writing to one never changes the other. Where the
 * filesystem cannot clone, Node falls back to an ordinary copy.
 */
export async function cloneDurable(src: string, dest: string): Promise<void> {
  try {
    await copyFile(src, dest, fsc.COPYFILE_FICLONE | fsc.COPYFILE_EXCL);
    await fsyncPath(dest);
  } catch (error) {
    await unlinkQuiet(dest);
    throw ioError(error, `copying into ${path.dirname(dest)}`);
  }
}

export async function fileSize(p: string): Promise<number | undefined> {
  try {
    return (await stat(p)).size;
  } catch (error) {
    if (errCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

export async function unlinkQuiet(p: string): Promise<void> {
  try {
    await unlink(p);
  } catch (error) {
    if (errCode(error) !== 'ENOENT') throw error;
  }
}
