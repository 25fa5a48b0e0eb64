// Compare a folder of the share with a local folder, recursively, by content:
// the server's listing carries each file's BLAKE3 root from its hash index
// (list-blake3 in docs/protocol.md) and the local side's roots come from the
// client's own index (local-index.ts), the same chunked root, so an unchanged
// tree is compared without reading a byte on either side. A local file is
// hashed only when it could be equal (same size as the server's), in
// parallel on the index's hashing threads.
//
// Memory is the tree's listing, twice at most (both sides held by path while
// they are joined); nothing else grows with the tree.

import { ErrorCode, FerryError } from '../protocol/errors.js';
import type { LocalHashIndex, LocalIdentity } from './local-index.js';
import { isFerryOwn, type LocalItem, TRASH_DIR, walkLocalFolders } from './local-tree.js';
import type { Entry, ListOptions, ServerInfo } from './types.js';

export type Category = 'identical' | 'differs' | 'time' | 'remote-only' | 'local-only' | 'type' | 'unreadable';

export const CATEGORY_TEXT: Record<Category, string> = {
  identical: 'identical',
  differs: 'content differs',
  time: 'same content, different modification time',
  'remote-only': 'only on the server',
  'local-only': 'only here',
  type: 'a file on one side, a folder on the other',
  unreadable: 'unreadable',
};

export interface SideState {
  type: 'file' | 'dir';
  size: number;
  mtimeMs: number;
  /** The BLAKE3 root, when known (always on the server's side with hashing; here only when it was needed). */
  blake3?: string;
  /** Why this side could not be read. */
  error?: string;
}

export interface Difference {
  /** Relative to both roots, '/'-separated. */
  path: string;
  category: Category;
  remote?: SideState;
  local?: SideState;
  /** For a path on one side only: the other side's path that differs from it only in letter case. */
  caseOf?: string;
}

export interface CompareOptions {
  /** 'content' (BLAKE3 roots, the default) or 'size-mtime' (no hashing, as rsync without -c). */
  by?: 'content' | 'size-mtime';
  hidden?: boolean;
  /**
   * The local hash index (needed when comparing by content). A promise of it
   * is awaited only once both sides are listed, so loading it overlaps the
   * server's listing and the local walk.
   */
  index?: LocalHashIndex | Promise<LocalHashIndex>;
  signal?: AbortSignal;
}

/** What a comparison needs of a client. */
export interface RemoteTree {
  readonly info: ServerInfo;
  stat(path: string): Promise<{ type: string }>;
  listStream(options: ListOptions, stream: { onBatch: (entries: Entry[]) => void; signal?: AbortSignal }): Promise<number>;
}

/** Two modification times are the same when they are within a millisecond (times set through utimes round). */
export const sameTime = (a: number, b: number): boolean => Math.abs(a - b) < 1;

/** Every path under either root with what it is on each side, in path order. */
export async function compareTrees(client: RemoteTree, remoteDir: string, localDir: string, options: CompareOptions = {}): Promise<Difference[]> {
  const byContent = checkCompare(client, options);
  // Awaited last; a load that fails early must not count as unhandled meanwhile.
  const indexReady = Promise.resolve(options.index);
  indexReady.catch(() => undefined);
  const remoteRoot = remoteDir.replace(/^\/+|\/+$/g, '');
  const base = remoteRoot === '' ? '' : `${remoteRoot}/`;

  // The local walk starts at once: it runs while the server answers the stat
  // and while the listing's batches are on their way. Stopped if the server side fails.
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const local = new Map<string, LocalItem>();
  const walking = (async () => {
    for await (const folder of walkLocalFolders(localDir, options)) {
      for (const item of folder) {
        if (item.path === '' && item.error) throw new FerryError(ErrorCode.Forbidden, `${localDir}: ${item.error}`);
        local.set(item.path, item);
      }
      if (signal.aborted) throw new FerryError(ErrorCode.Cancelled, 'cancelled');
    }
  })();
  walking.catch(() => undefined); // awaited below; a failed stat must not leave it unheard

  const remote = new Map<string, Entry>();
  try {
    // The listing is asked for with the stat, not after its answer: one round
    // trip fewer. A start that is not a folder stops it (stop.abort below);
    // its entries meanwhile are no path under the root, so none is kept.
    const statting = client.stat(remoteRoot);
    const listing = client.listStream(
      { path: remoteRoot, recursive: true, ...(options.hidden ? { hidden: true } : {}), ...(byContent ? { blake3: true } : {}) },
      {
        onBatch: (batch) => {
          for (const e of batch) {
            if (!e.path.startsWith(base)) continue;
            const rel = e.path.slice(base.length);
            // ferry's own bookkeeping is never compared, on either side (a trash pushed with --hidden, say).
            if (isFerryOwn(e.name) || rel.startsWith(`${TRASH_DIR}/`)) continue;
            remote.set(rel, e);
          }
        },
        signal,
      },
    );
    listing.catch(() => undefined); // awaited below, once the stat has said it is a folder
    const top = await statting;
    if (top.type !== 'dir') throw new FerryError(ErrorCode.NotAFile, `${remoteRoot || '/'} on the server is not a folder`);
    await Promise.all([listing, walking]);
  } catch (err) {
    stop.abort();
    throw err;
  }

  const index = await indexReady;
  return joinSides(remote, local, byContent, { ...options, ...(index ? { index } : {}) });
}

/**
 * Both sides' entries, joined by path and put in their categories: what a
 * whole-tree comparison and a comparison of a few paths (compare-paths.ts,
 * for `ferry sync --watch`) have in common.
 */
export async function joinSides(
  remote: ReadonlyMap<string, Entry>,
  local: ReadonlyMap<string, LocalItem>,
  byContent: boolean,
  options: CompareOptions,
): Promise<Difference[]> {
  // Every path once; the default sort is by UTF-16 code unit (without a call per comparison).
  const paths = [...remote.keys()];
  for (const p of local.keys()) if (!remote.has(p)) paths.push(p);
  paths.sort();
  const out: Difference[] = paths.map((p) => classify(p, remote.get(p), local.get(p), byContent));
  if (byContent) await hashWhereNeeded(out, local, (await options.index)!, options.signal);
  markCaseOnly(out);
  return out;
}

/** What comparing by content needs, checked before anything is read. */
export function checkCompare(client: RemoteTree, options: CompareOptions): boolean {
  const byContent = (options.by ?? 'content') === 'content';
  if (byContent && !client.info.features.includes('list-blake3')) {
    throw new FerryError(ErrorCode.UnsupportedVersion, `${client.info.address} cannot list hashes (an older server): use --by size,mtime`);
  }
  if (byContent && !options.index) throw new Error('comparing by content needs the local hash index');
  return byContent;
}

function remoteState(e: Entry): SideState {
  // A symlink the server does not follow (to nothing, or out of the share) cannot be compared: like one here.
  if (e.type === 'link') {
    const why = e.link === 'outside' ? 'a symbolic link that leads out of the share' : 'a symbolic link to nothing';
    return { type: 'file', size: 0, mtimeMs: e.mtimeMs, error: `on the server: ${why}` };
  }
  // Optional fields assigned, not spread: a spread makes a throw-away object per path.
  const state: SideState = { type: e.type, size: e.size, mtimeMs: e.mtimeMs };
  if (e.blake3) state.blake3 = e.blake3;
  if (e.hashError) state.error = `the server cannot read it (${e.hashError})`;
  return state;
}

function localState(i: LocalItem): SideState {
  const state: SideState = { type: i.type, size: i.size, mtimeMs: i.mtimeMs };
  if (i.error) state.error = i.error;
  return state;
}

/** The category that needs no hashing; 'identical' for equal sizes stands until the hashes say otherwise. */
function classify(path: string, r: Entry | undefined, l: LocalItem | undefined, byContent: boolean): Difference {
  const remote = r ? remoteState(r) : undefined;
  const local = l ? localState(l) : undefined;
  const d: Difference = { path, category: 'identical' };
  if (remote) d.remote = remote;
  if (local) d.local = local;
  if (!remote) d.category = local?.error ? 'unreadable' : 'local-only';
  else if (!local) d.category = remote.error ? 'unreadable' : 'remote-only';
  else if (remote.error || local.error) d.category = 'unreadable';
  else if (remote.type !== local.type) d.category = 'type';
  else if (remote.type === 'dir') d.category = 'identical';
  else if (remote.size !== local.size) d.category = 'differs';
  else if (!byContent) d.category = sameTime(remote.mtimeMs, local.mtimeMs) ? 'identical' : 'differs';
  else d.category = remote.blake3 ? 'identical' : 'unreadable'; // settled by hashWhereNeeded
  return d;
}

/** Hash the local files whose size matches the server's, a few at a time on the index's threads, and settle their category. */
async function hashWhereNeeded(diffs: Difference[], local: ReadonlyMap<string, LocalItem>, index: LocalHashIndex, signal?: AbortSignal): Promise<void> {
  const settle = (d: Difference, blake3: string) => {
    d.local!.blake3 = blake3;
    if (blake3 !== d.remote!.blake3) d.category = 'differs';
    else d.category = sameTime(d.remote!.mtimeMs, d.local!.mtimeMs) ? 'identical' : 'time';
  };
  // Files the index knows (every one, in a tree compared before) are settled
  // here, without a callback or an object each; the rest are read.
  const todo: Difference[] = [];
  const files: { abs: string; id: LocalIdentity }[] = [];
  for (const d of diffs) {
    if (d.category !== 'identical' || d.remote?.type !== 'file' || d.local?.type !== 'file') continue;
    const item = local.get(d.path)!;
    const known = index.knownRoot(item.id!);
    if (known !== undefined) settle(d, known);
    else {
      todo.push(d);
      files.push({ abs: item.abs, id: item.id! });
    }
  }
  await index.hashEach(
    files,
    (i, result) => {
      const d = todo[i]!;
      if (result instanceof Error) {
        d.category = 'unreadable';
        d.local!.error = result instanceof FerryError && result.code === ErrorCode.Forbidden ? 'permission denied' : result.message;
        return;
      }
      settle(d, result.blake3);
    },
    signal,
  );
  if (signal?.aborted) throw new FerryError(ErrorCode.Cancelled, 'cancelled');
  await index.flush();
}

/** A name on one side only whose twin on the other differs only in case (a case-only rename) is marked on both. */
function markCaseOnly(diffs: Difference[]): void {
  const remoteOnly = new Map<string, Difference>();
  for (const d of diffs) if (d.category === 'remote-only') remoteOnly.set(d.path.toLowerCase(), d);
  if (remoteOnly.size === 0) return;
  for (const d of diffs) {
    if (d.category !== 'local-only') continue;
    const twin = remoteOnly.get(d.path.toLowerCase());
    if (!twin) continue;
    d.caseOf = twin.path;
    twin.caseOf = d.path;
  }
}

export interface CompareSummary {
  counts: Record<Category, { entries: number; bytes: number }>;
  /** 0 identical, 1 different, 2 some path could not be compared. */
  exitCode: 0 | 1 | 2;
}

export function summarize(diffs: readonly Difference[]): CompareSummary {
  const counts = Object.fromEntries(Object.keys(CATEGORY_TEXT).map((c) => [c, { entries: 0, bytes: 0 }])) as CompareSummary['counts'];
  for (const d of diffs) {
    const c = counts[d.category];
    c.entries++;
    c.bytes += Math.max(d.remote?.type === 'file' ? d.remote.size : 0, d.local?.type === 'file' ? d.local.size : 0);
  }
  const exitCode = counts.unreadable.entries > 0 ? 2 : diffs.some((d) => d.category !== 'identical') ? 1 : 0;
  return { counts, exitCode };
}
