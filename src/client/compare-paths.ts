// Comparing a few paths of a pair rather than the whole tree: what `ferry
// sync --watch` does with the paths a watch reported. The server's side of
// each path comes from a stat (asking for its BLAKE3 root only when the local
// file could be equal, so a new or resized file costs the server no hashing),
// or, for many paths in one folder, from one listing of that folder; the local
// side from one stat each. The two are then joined exactly as a whole-tree
// comparison joins them (compare.ts), so a path's category, and the plan made
// from it, are the same either way.
//
// A folder is compared as a folder, not walked: what changes inside it is
// reported on its own. Memory is the paths asked about, nothing more.

import { ErrorCode, FerryError } from '../protocol/errors.js';
import { type CompareOptions, checkCompare, type Difference, joinSides, type RemoteTree } from './compare.js';
import { isFerryOwn, type LocalItem, localItemAt, TRASH_DIR } from './local-tree.js';
import type { Entry } from './types.js';

/** Siblings past this many are read with one listing of their folder instead of a stat each. */
export const LIST_FOLDER_FROM = 64;
/** Stats in flight at once (the connection takes 64 open requests). */
const STATS_AT_ONCE = 16;

/** What a comparison of single paths needs of a client besides a whole-tree one. */
export interface PathsTree extends RemoteTree {
  stat(path: string, options?: { blake3?: boolean }): Promise<Entry>;
}

/** Codes that mean "nothing is at this path on the server". */
const ABSENT: ReadonlySet<string> = new Set([ErrorCode.NotFound, ErrorCode.NotADirectory]);

/**
 * The differences at `paths` (relative to both roots, '/'-separated), in path
 * order; a path on neither side is left out. Paths the comparison would never
 * show (ferry's own, hidden ones unless `hidden`) are left out too.
 */
export async function comparePaths(
  client: PathsTree,
  remoteDir: string,
  localDir: string,
  paths: Iterable<string>,
  options: CompareOptions = {},
): Promise<Difference[]> {
  const byContent = checkCompare(client, options);
  const remoteRoot = remoteDir.replace(/^\/+|\/+$/g, '');
  const full = (rel: string) => (remoteRoot === '' ? rel : `${remoteRoot}/${rel}`);

  const local = new Map<string, LocalItem>();
  const wanted: string[] = [];
  for (const rel of new Set(paths)) {
    if (!shown(rel, options.hidden === true)) continue;
    wanted.push(rel);
    const item = localItemAt(localDir, rel, options);
    if (item) local.set(rel, item);
  }

  const remote = new Map<string, Entry>();
  const bySibling = new Map<string, string[]>();
  for (const rel of wanted) {
    const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    const group = bySibling.get(parent);
    if (group) group.push(rel);
    else bySibling.set(parent, [rel]);
  }
  const singles: string[] = [];
  for (const [parent, group] of bySibling) {
    if (group.length < LIST_FOLDER_FROM) {
      singles.push(...group);
      continue;
    }
    const names = new Set(group);
    const base = remoteRoot === '' ? '' : `${remoteRoot}/`;
    try {
      await client.listStream(
        { path: full(parent), ...(options.hidden ? { hidden: true } : {}), ...(byContent ? { blake3: true } : {}) },
        {
          onBatch: (batch) => {
            for (const e of batch) {
              const rel = e.path.startsWith(base) ? e.path.slice(base.length) : undefined;
              if (rel !== undefined && names.has(rel)) remote.set(rel, e);
            }
          },
          ...(options.signal ? { signal: options.signal } : {}),
        },
      );
    } catch (err) {
      if (!(err instanceof FerryError && ABSENT.has(err.code))) throw err;
    }
  }
  let next = 0;
  const worker = async () => {
    while (next < singles.length) {
      const rel = singles[next++]!;
      if (options.signal?.aborted) throw new FerryError(ErrorCode.Cancelled, 'cancelled');
      // The root only when it could settle something: the local file is there, the same size or not yet known.
      const hash = byContent && local.get(rel)?.type === 'file';
      try {
        remote.set(rel, await client.stat(full(rel), hash ? { blake3: true } : {}));
      } catch (err) {
        if (err instanceof FerryError && ABSENT.has(err.code)) continue;
        if (err instanceof FerryError && (err.code === ErrorCode.OutsideShare || err.code === ErrorCode.Forbidden)) {
          remote.set(rel, {
            path: full(rel),
            name: rel.slice(rel.lastIndexOf('/') + 1),
            ext: '',
            size: 0,
            mtimeMs: 0,
            mtime: '',
            type: 'link',
            link: 'outside',
          });
          continue;
        }
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(STATS_AT_ONCE, singles.length) }, worker));
  return joinSides(remote, local, byContent, options);
}

/** Would a whole-tree comparison show this path at all? */
function shown(rel: string, hidden: boolean): boolean {
  if (rel === '' || rel === TRASH_DIR || rel.startsWith(`${TRASH_DIR}/`)) return false;
  return rel.split('/').every((n) => n !== '' && n !== '.' && n !== '..' && !isFerryOwn(n) && (hidden || !n.startsWith('.')));
}
