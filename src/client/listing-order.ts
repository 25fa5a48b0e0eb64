// The order listings are shown in. The server streams entries in directory
// order (sorting would mean holding whole folders), so the client sorts what it
// keeps: folder by folder, each folder's entries together (sub-folders first,
// then by name, case-insensitive with ties broken by code unit: deterministic
// and locale-free), a folder's contents after the entries of its parent.

import type { Entry } from './types.js';

export function compareNames(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x !== y) return x < y ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A folder's path as segments, each lower-cased once (the sort compares them ~17 times an entry at 100,000). */
export interface FolderKey {
  lower: string[];
  exact: string[];
}

/** Compare two folder paths segment by segment; a folder comes before what lies inside it. */
function compareFolders(a: FolderKey, b: FolderKey): number {
  if (a === b) return 0;
  const n = Math.min(a.exact.length, b.exact.length);
  for (let i = 0; i < n; i++) {
    const x = a.lower[i]!;
    const y = b.lower[i]!;
    if (x !== y) return x < y ? -1 : 1;
    const p = a.exact[i]!;
    const q = b.exact[i]!;
    if (p !== q) return p < q ? -1 : 1;
  }
  return a.exact.length - b.exact.length;
}

/** What one entry is sorted by: made once per entry, compared many times. */
export interface ListingKey {
  folder: FolderKey;
  /** 0 for a folder (sub-folders come first), 1 otherwise. */
  dir: number;
  lower: string;
  name: string;
}

/**
 * The key of one entry. `folders` shares one FolderKey among a folder's
 * entries (they then compare equal by identity); without it each key has its own.
 */
export function listingKey(e: Pick<Entry, 'path' | 'name' | 'type'>, folders?: Map<string, FolderKey>): ListingKey {
  const cut = e.path.lastIndexOf('/');
  const dir = cut < 0 ? '' : e.path.slice(0, cut);
  let folder = folders?.get(dir);
  if (!folder) {
    const exact = dir === '' ? [] : dir.split('/');
    folder = { exact, lower: exact.map((x) => x.toLowerCase()) };
    folders?.set(dir, folder);
  }
  return { folder, dir: e.type === 'dir' ? 0 : 1, lower: e.name.toLowerCase(), name: e.name };
}

/** The listing order of two keys (negative: `a` first). */
export function compareKeys(a: ListingKey, b: ListingKey): number {
  const f = compareFolders(a.folder, b.folder);
  if (f !== 0) return f;
  if (a.dir !== b.dir) return a.dir - b.dir;
  if (a.lower !== b.lower) return a.lower < b.lower ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Sort a listing in place into the order described above, and return it. */
export function sortListing<T extends Pick<Entry, 'path' | 'name' | 'type'>>(entries: T[]): T[] {
  const folders = new Map<string, FolderKey>();
  const keyed = entries.map((e) => ({ e, key: listingKey(e, folders) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key));
  keyed.forEach((k, i) => (entries[i] = k.e));
  return entries;
}
