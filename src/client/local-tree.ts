// A local folder walked the way the server walks its share (src/server/listing.ts),
// so the two lists line up for `ferry compare`: '/'-separated paths relative
// to the root, names starting with '.' left out unless asked for, ferry's own
// files (the sync trash, a download's .ferry-part, a copy's .ferry-tmp) never shown, symlinks
// followed only while they stay inside the root (a loop entered once).
// Problems are entries too (`error`), never a failed walk: an unreadable
// folder is one line of a comparison, not the end of it.

import { type Dirent, lstatSync, readdirSync, realpathSync, type Stats, statSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { LocalIdentity } from './local-index.js';
import path from 'node:path';

export interface LocalItem {
  /** Relative to the root, '/'-separated. */
  path: string;
  type: 'file' | 'dir';
  size: number;
  mtimeMs: number;
  abs: string;
  /** A file's identity, for the local hash index (not the whole Stats: 10,000 of those are megabytes of dates). */
  id?: LocalIdentity;
  /** Why this entry cannot be compared (a folder that cannot be read, a link that leads out). */
  error?: string;
}

/** The folder deleted files are moved to, under the destination's root (see sync.ts). */
export const TRASH_DIR = '.ferry-trash';

/** Names that are ferry's own bookkeeping, never part of what is compared. */
export function isFerryOwn(name: string): boolean {
  return name === TRASH_DIR || name.endsWith('.ferry-part') || name.endsWith('.ferry-part.json') || name.endsWith('.ferry-tmp');
}

/** Folders deeper than this are listed but not entered (as on the server). */
const MAX_DEPTH = 128;

/**
 * Every entry below `root`, a folder before its contents (depth first, in
 * directory order). A missing root yields nothing.
 */
export async function* walkLocal(root: string, options: { hidden?: boolean } = {}): AsyncGenerator<LocalItem> {
  for await (const folder of walkLocalFolders(root, options)) yield* folder;
}

/**
 * The same entries as walkLocal, a folder's worth at a time: an async
 * generator costs a few microseconds a step, which over 10,000 files was as
 * much as all their stats, so the items of one folder travel together.
 */
export async function* walkLocalFolders(root: string, options: { hidden?: boolean } = {}): AsyncGenerator<LocalItem[]> {
  const top = path.resolve(root);
  let real: string;
  let topStat: Stats;
  try {
    real = await realpath(top);
    topStat = await stat(real);
  } catch {
    return;
  }
  if (!topStat.isDirectory()) return;
  const inside = (p: string) => p === real || p.startsWith(real.endsWith(path.sep) ? real : real + path.sep);

  // Synchronous reads, a folder at a time: a stat of a cached inode takes a
  // few microseconds, and a promise per file would cost more than the stat
  // (10,000 files: ~30 ms this way, several times that with fs/promises).
  // Between folders the generator yields, so the event loop still runs.
  // Folders still to read, the next on top: pushed in reverse, so each
  // folder's sub-folders are walked in directory order, depth first.
  const stack: Folder[] = [{ abs: top, rel: '', chain: [`${topStat.dev}:${topStat.ino}`] }];
  for (let folder = stack.pop(); folder; folder = stack.pop()) {
    const { items, dirs } = readFolder(folder, options.hidden === true, inside);
    if (items.length > 0) yield items;
    // A macrotask turn between folders: the server's listing, arriving meanwhile, is read as the walk goes.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (folder.chain.length >= MAX_DEPTH) continue;
    for (let i = dirs.length - 1; i >= 0; i--) {
      const sub = dirs[i]!;
      if (!folder.chain.includes(sub.key)) stack.push({ abs: sub.abs, rel: sub.rel, chain: [...folder.chain, sub.key] });
    }
  }
}

interface Folder {
  abs: string;
  rel: string;
  /** The (dev:ino) of every folder from the root down to this one: a link back up is not entered again. */
  chain: string[];
}

function readFolder(
  folder: Folder,
  hidden: boolean,
  inside: (p: string) => boolean,
): { items: LocalItem[]; dirs: { abs: string; rel: string; key: string }[] } {
  const { abs: dir, rel } = folder;
  const items: LocalItem[] = [];
  const dirs: { abs: string; rel: string; key: string }[] = [];
  let dirents: Dirent[];
  try {
    dirents = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    items.push({ path: rel, type: 'dir', size: 0, mtimeMs: 0, abs: dir, error: reason(err) });
    return { items, dirs };
  }
  // Names from readdir have no separators: joined by hand, not by path.join (which normalises each one).
  const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
  const relPrefix = rel === '' ? '' : `${rel}/`;
  for (const d of dirents) {
    if ((!hidden && d.name.startsWith('.')) || isFerryOwn(d.name)) continue;
    const childRel = relPrefix + d.name;
    const abs = prefix + d.name;
    let st: Stats;
    try {
      if (d.isSymbolicLink() && !inside(realpathSync(abs))) {
        items.push({ path: childRel, type: 'file', size: 0, mtimeMs: 0, abs, error: 'a symbolic link that leads out of the folder' });
        continue;
      }
      st = statSync(abs);
    } catch (err) {
      items.push({ path: childRel, type: 'file', size: 0, mtimeMs: 0, abs, error: reason(err) });
      continue;
    }
    if (st.isDirectory()) {
      items.push({ path: childRel, type: 'dir', size: 0, mtimeMs: st.mtimeMs, abs });
      dirs.push({ abs, rel: childRel, key: `${st.dev}:${st.ino}` });
    } else if (st.isFile()) {
      const id = { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs };
      items.push({ path: childRel, type: 'file', size: st.size, mtimeMs: st.mtimeMs, abs, id });
    }
    // Devices, sockets and pipes are not files to compare or send: left out, as the server does.
  }
  return { items, dirs };
}

/**
 * One entry, by its path under `root`, judged as walkLocal judges it (a link
 * that leads out is unreadable, one inside is followed; ferry's own names and,
 * unless asked for, hidden ones are not there): for comparing a few paths
 * without walking the tree. Undefined when nothing is there.
 */
export function localItemAt(root: string, rel: string, options: { hidden?: boolean } = {}): LocalItem | undefined {
  const names = rel.split('/');
  if (names.some((n) => n === '' || n === '.' || n === '..' || isFerryOwn(n) || (!options.hidden && n.startsWith('.')))) return undefined;
  const top = path.resolve(root);
  const abs = path.join(top, ...names);
  let real: string;
  try {
    real = realpathSync(top);
  } catch {
    return undefined;
  }
  const inside = (p: string) => p === real || p.startsWith(real.endsWith(path.sep) ? real : real + path.sep);
  let st: Stats;
  try {
    // Every folder on the way must lead to a place inside the root, as the walk only enters those.
    if (!inside(realpathSync(abs))) return { path: rel, type: 'file', size: 0, mtimeMs: 0, abs, error: 'a symbolic link that leads out of the folder' };
    st = statSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      // A link to nothing is there (and unreadable); anything else missing is simply not there.
      try {
        if (lstatSync(abs).isSymbolicLink()) return { path: rel, type: 'file', size: 0, mtimeMs: 0, abs, error: reason(err) };
      } catch {}
      return undefined;
    }
    return { path: rel, type: 'file', size: 0, mtimeMs: 0, abs, error: reason(err) };
  }
  if (st.isDirectory()) return { path: rel, type: 'dir', size: 0, mtimeMs: st.mtimeMs, abs };
  if (!st.isFile()) return undefined;
  return {
    path: rel,
    type: 'file',
    size: st.size,
    mtimeMs: st.mtimeMs,
    abs,
    id: { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs },
  };
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOENT') return 'a symbolic link to nothing, or gone while listed';
  if (code === 'ELOOP') return 'a symbolic link loop';
  return code ?? (err as Error).message;
}
