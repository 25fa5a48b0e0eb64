// Walks that change a folder tree: emptying one (a recursive remove) and
// copying one. They never join a client path: they start from a folder the
// store resolved and hold (openHeldFolder), and descend one held folder at a
// time by name, never following a symlink (O_NOFOLLOW on every folder opened,
// lstat on every entry). A link met on the way is removed as a link, or left
// out of a copy; ferry's own state and its temp names are never touched.

import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import { STREAM_CHUNK_BYTES } from '../protocol/limits.js';
import type { HashIndex } from './hash-index.js';
import { isInternalName, openHeldFolder, type ShareStore } from './store.js';

/** Folder levels a tree walk descends at most: one held descriptor each. */
export const MAX_TREE_DEPTH = 128;
/** Entries handled between progress reports (and turns of the event loop). */
const REPORT_EVERY = 256;

const OPEN_FILE = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

function tooDeep(): never {
  throw new FerryError(ErrorCode.TooLarge, `the folder is nested more than ${MAX_TREE_DEPTH} levels deep`);
}

/** The entry at `at` without following a link, or undefined when it is not there. */
export async function lstatOrNone(at: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(at);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export interface EmptyOptions {
  /** The share's real root: every folder held must be inside it. */
  root: string;
  /** ferry's own state, left where it is. */
  isPrivate(real: string, st: Stats): boolean;
  /** A file was removed: its hashes go too. */
  forget(st: Stats): void;
  /** Entries to delete at most (files, links and folders). */
  budget: number;
  signal: AbortSignal;
  /** Called every few hundred entries with the count so far. */
  progress(removed: number): Promise<void>;
}

/**
 * Delete what the folder at `at` holds, depth first, up to the budget.
 * Resolves with the entries deleted and whether the folder is now empty of
 * everything it may delete (false: the budget ran out first). Files' hashes
 * are forgotten as they go (a new file may get the inode).
 */
export async function emptyFolder(at: string, o: EmptyOptions): Promise<{ removed: number; emptied: boolean }> {
  let removed = 0;
  const visit = async (where: string, depth: number): Promise<boolean> => {
    if (depth > MAX_TREE_DEPTH) tooDeep();
    const held = await openHeldFolder(where, o.root);
    try {
      const dir = await held.open();
      // for await closes the Dir when the loop ends, returns or throws.
      for await (const entry of dir) {
        if (o.signal.aborted) throw o.signal.reason;
        if (removed >= o.budget) return false;
        // A running upload's temp file is its writer's to remove.
        if (isInternalName(entry.name)) continue;
        const at = held.at(entry.name);
        const st = await lstatOrNone(at);
        if (!st || o.isPrivate(held.real(entry.name), st)) continue;
        if (st.isDirectory()) {
          if (!(await visit(at, depth + 1))) return false;
          await fs.rmdir(at);
        } else {
          await fs.unlink(at);
          if (st.isFile()) o.forget(st);
        }
        if (++removed % REPORT_EVERY === 0) await o.progress(removed);
      }
      return true;
    } finally {
      await held.close();
    }
  };
  const emptied = await visit(at, 0);
  return { removed, emptied };
}

export interface CopyOptions {
  store: ShareStore;
  hashes: HashIndex;
  /** Entries (files and folders) the copy may hold at most. */
  budget: number;
  signal: AbortSignal;
  countBytes(n: number): void;
  progress(entries: number, bytes: number): Promise<void>;
}

export interface CopyCount {
  files: number;
  folders: number;
  bytes: number;
  /** Links and other non-regular entries left out. */
  skipped: number;
}

/**
 * Copy the file open as `from` (a handle the store opened and checked) to a
 * new file at `to`, created exclusively, in STREAM_CHUNK_BYTES reads, with
 * the source's modification time, synced. The MD5 is taken on the way and
 * remembered for the copy's identity, so it is never read again to be hashed.
 */
export async function copyFileData(
  from: fs.FileHandle,
  size: number,
  mtimeMs: number,
  to: string,
  o: Pick<CopyOptions, 'hashes' | 'signal' | 'countBytes'>,
): Promise<number> {
  const out = await fs.open(to, 'wx', 0o644);
  try {
    const md5 = createHash('md5');
    const buf = Buffer.allocUnsafe(Math.min(STREAM_CHUNK_BYTES, Math.max(size, 1)));
    let pos = 0;
    for (;;) {
      if (o.signal.aborted) throw o.signal.reason;
      const { bytesRead } = await from.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      md5.update(buf.subarray(0, bytesRead));
      await out.write(buf, 0, bytesRead, pos);
      pos += bytesRead;
      o.countBytes(bytesRead);
    }
    if (pos !== size) throw new FerryError(ErrorCode.Changed, 'the file changed while it was being copied');
    await out.utimes(new Date(), new Date(mtimeMs));
    await out.sync();
    o.hashes.remember(await out.stat(), md5.digest('hex'));
    return pos;
  } finally {
    await out.close().catch(() => undefined);
  }
}

/**
 * Copy what the held folder at `from` holds into the new, empty folder at
 * `to`, depth first. Links, devices and ferry's own entries are left out
 * (counted as skipped). More entries than the budget stop it with TOO_LARGE;
 * the caller removes what was made.
 */
export async function copyFolder(from: string, to: string, o: CopyOptions): Promise<CopyCount> {
  const count: CopyCount = { files: 0, folders: 0, bytes: 0, skipped: 0 };
  const entries = () => count.files + count.folders;
  const visit = async (src: string, dst: string, depth: number): Promise<void> => {
    if (depth > MAX_TREE_DEPTH) tooDeep();
    const held = await openHeldFolder(src, o.store.root);
    // The copy's folders are held too: one swapped for a link mid-copy stops it, never redirects it.
    const out = await openHeldFolder(dst, o.store.root).catch(async (err) => {
      await held.close();
      throw err;
    });
    try {
      const folderStat = await fs.stat(held.at(''));
      const dir = await held.open();
      for await (const entry of dir) {
        if (o.signal.aborted) throw o.signal.reason;
        if (isInternalName(entry.name)) continue;
        const at = held.at(entry.name);
        const st = await lstatOrNone(at);
        if (!st) continue;
        if (o.store.isPrivate(held.real(entry.name), st) || !(st.isFile() || st.isDirectory())) {
          count.skipped++;
          continue;
        }
        if (entries() >= o.budget) {
          throw new FerryError(ErrorCode.TooLarge, `the folder holds more than ${o.budget} entries; copy it in parts`);
        }
        const target = out.at(entry.name);
        if (st.isDirectory()) {
          await fs.mkdir(target, { mode: 0o755 });
          count.folders++;
          await visit(at, target, depth + 1);
        } else {
          const handle = await fs.open(at, OPEN_FILE);
          try {
            const opened = await handle.stat();
            if (!opened.isFile() || opened.ino !== st.ino || opened.dev !== st.dev) {
              throw new FerryError(ErrorCode.Changed, `'${entry.name}' changed while it was being copied`);
            }
            count.bytes += await copyFileData(handle, opened.size, opened.mtimeMs, target, o);
          } finally {
            await handle.close().catch(() => undefined);
          }
          count.files++;
        }
        if (entries() % REPORT_EVERY === 0) await o.progress(entries(), count.bytes);
      }
      // Last, once its entries no longer change it: the folder keeps its time.
      await fs.utimes(out.at(''), new Date(), folderStat.mtime);
    } finally {
      await held.close();
      await out.close();
    }
  };
  await visit(from, to, 0);
  return count;
}

/** What emptyFolder needs to know about a share, from its store and hash index. */
export function shareRules(store: ShareStore, hashes: HashIndex): Pick<EmptyOptions, 'root' | 'isPrivate' | 'forget'> {
  return { root: store.root, isPrivate: (real, st) => store.isPrivate(real, st), forget: (st) => hashes.forget(st) };
}

/**
 * Remove a folder and whatever it holds, up to `budget` entries (a failed
 * copy's temp folder, or one a stopped server left). Resolves with the
 * entries removed and whether the folder is gone; never throws.
 */
export async function discardFolder(
  at: string,
  o: Pick<EmptyOptions, 'root' | 'isPrivate' | 'forget'>,
  budget = Number.POSITIVE_INFINITY,
): Promise<{ entries: number; gone: boolean }> {
  const signal = new AbortController().signal;
  const done = await emptyFolder(at, { ...o, budget, signal, progress: async () => {} }).catch(() => ({ removed: 0, emptied: false }));
  if (!done.emptied) return { entries: done.removed, gone: false };
  return fs.rmdir(at).then(
    () => ({ entries: done.removed + 1, gone: true }),
    () => ({ entries: done.removed, gone: false }),
  );
}
