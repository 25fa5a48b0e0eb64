// Handing cached content out to a destination outside the cache.
//
// The copy goes to a temp name beside the destination (same folder, same
// filesystem), `.NAME.<pid>-<rand>.ferry-tmp`, is checked there, and only
// then takes the real name. Without `overwrite` the real name is taken with
// link(), which fails if a file appeared there meanwhile: the user's file is
// kept and the caller gets EXISTS, as a download without the cache does.
//
// A process killed between copy and rename leaves its temp behind, full
// size. The next materialize into that folder removes such leftovers: only
// names of exactly our pattern, only regular files, and only when the pid in
// the name is not a live process here (a live one may be copying right now).

import type { Dir } from 'node:fs';
import { link, lstat, opendir, rename, unlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import { cloneDurable, errCode, fsyncPath, ioError, pidAlive, tempBase, unlinkQuiet } from './fsutil.js';
import { hashFile } from './hash-file.js';

const TEMP_SUFFIX = '.ferry-tmp';
/** `.NAME.<pid>-<12 hex>.ferry-tmp`, as destTempName makes them. NAME may hold anything but '/'. */
const LEFTOVER_RE = /^\..*\.(\d+)-[0-9a-f]{12}\.ferry-tmp$/s;

export function destTempName(dest: string, pid: number): string {
  return path.join(path.dirname(dest), `.${path.basename(dest).slice(0, 100)}.${tempBase(pid)}${TEMP_SUFFIX}`);
}

/** The pid a leftover temp was made by, or undefined when the name is not one of ours. */
export function leftoverOwner(name: string): number | undefined {
  const m = LEFTOVER_RE.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Remove temps of dead processes from `dir`; returns the names removed. */
export async function sweepLeftovers(dir: string): Promise<string[]> {
  const removed: string[] = [];
  let handle: Dir;
  try {
    handle = await opendir(dir);
  } catch (error) {
    if (errCode(error) === 'ENOENT') return removed;
    throw error;
  }
  // Streamed, not readdir: the folder may hold any number of files.
  for await (const entry of handle) {
    if (!entry.isFile() || !entry.name.endsWith(TEMP_SUFFIX)) continue;
    const owner = leftoverOwner(entry.name);
    if (owner === undefined || pidAlive(owner)) continue;
    try {
      await unlinkQuiet(path.join(dir, entry.name));
      removed.push(entry.name);
    } catch {
      // not ours to remove after all (permissions): leave it
    }
  }
  return removed;
}

/**
 * Clone src to a fresh temp beside dest (created exclusively), check that the
 * copy hashes to `blake3`, and give it dest's name (placeTemp). False, with
 * nothing left at dest, when the copy does not match. The copy is what is
 * hashed, not src: what is checked is then exactly what dest gets.
 */
export async function copyOutChecked(
  src: string,
  dest: string,
  o: { pid: number; blake3: string; size: number; overwrite: boolean; mtimeMs?: number },
): Promise<boolean> {
  const temp = destTempName(dest, o.pid);
  await cloneDurable(src, temp);
  if ((await hashFile(temp, o.size))?.blake3 !== o.blake3) {
    await unlinkQuiet(temp);
    return false;
  }
  // The time first, then the name: the file never shows under its name with another time.
  if (o.mtimeMs !== undefined) await utimes(temp, o.mtimeMs / 1000, o.mtimeMs / 1000);
  await placeTemp(temp, dest, o.overwrite);
  return true;
}

/** link() unsupported by the filesystem (FAT, some network and FUSE mounts). */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

/**
 * Give the checked temp its real name. With overwrite, rename over whatever
 * is there; without, never replace a file: EXISTS if one is there now.
 */
export async function placeTemp(temp: string, dest: string, overwrite: boolean): Promise<void> {
  try {
    if (overwrite) await rename(temp, dest);
    else await placeExclusive(temp, dest);
  } catch (error) {
    await unlinkQuiet(temp);
    if (error instanceof FerryError) throw error;
    throw ioError(error, `writing ${dest}`);
  }
  await fsyncPath(path.dirname(dest));
}

async function placeExclusive(temp: string, dest: string): Promise<void> {
  const appeared = () => new FerryError(ErrorCode.Exists, `${dest} appeared while it was copied from the cache; kept it`);
  try {
    await link(temp, dest);
  } catch (error) {
    if (errCode(error) === 'EEXIST') throw appeared();
    if (!NO_LINKS.has(errCode(error) ?? '')) throw error;
    // No hard links here: check, then rename. Not atomic, but the window is
    // two system calls, where link() would leave none.
    if (
      await lstat(dest).then(
        () => true,
        () => false,
      )
    )
      throw appeared();
    await rename(temp, dest);
    return;
  }
  await unlink(temp);
}
