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

/** Compare two folder paths segment by segment; a folder comes before what lies inside it. */
function compareFolders(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareNames(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/** Sort a listing in place into the order described above, and return it. */
export function sortListing<T extends Pick<Entry, 'path' | 'name' | 'type'>>(entries: T[]): T[] {
  const keyed = entries.map((e) => ({ e, folder: e.path.split('/').slice(0, -1) }));
  keyed.sort((a, b) => compareFolders(a.folder, b.folder) || (a.e.type === b.e.type ? 0 : a.e.type === 'dir' ? -1 : 1) || compareNames(a.e.name, b.e.name));
  keyed.forEach((k, i) => (entries[i] = k.e));
  return entries;
}
