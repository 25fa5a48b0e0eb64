// Where things live inside a cache folder. One place, so the cache, the
// repair and the tests agree.
//
//   index.json                    the index's snapshot (replaced whole by atomic rename)
//   index.json.<pid>-<rand>.tmp   a snapshot being written (only under the lock)
//   index.journal                 changes since the snapshot, one line each
//                                 (journal.ts; appended under the lock)
//   index.journal.<pid>-<rand>.tmp a new journal being written (under the lock)
//   lock                          the lock file (see lock.ts)
//   objects/<root>                content, named by its BLAKE3 root
//                                 (protocol/chunk-hash.ts; 64 hex digits)
//   objects/<root>.intent         "about to add <root>": written before content
//                                 is moved in, removed once the index names it
//   tmp/<pid>-<rand>.<kind>       private scratch files of process <pid>
//   parts/<key>.part, .part.json  resumable downloads, keyed by server + path
//   parts/<key>.claim             who is writing that .part (part-claim.ts)
//   parts/<key>.<pid>-<rand>.part a private .part of a process that found the
//                                 stable one claimed by another live process
//
// Version 1 (before BLAKE3) named objects by their MD5 (32 hex digits) and
// keyed the index by it; migrate.ts turns such a folder into this layout.

import path from 'node:path';

export interface Layout {
  root: string;
  index: string;
  journal: string;
  lock: string;
  objects: string;
  tmp: string;
  parts: string;
}

export const INDEX_NAME = 'index.json';
export const JOURNAL_FILE = 'index.journal';
export const MD5_RE = /^[0-9a-f]{32}$/;
/** An object's name: its BLAKE3 root. */
export const KEY_RE = /^[0-9a-f]{64}$/;
export const INTENT_SUFFIX = '.intent';

export function layoutOf(root: string): Layout {
  return {
    root,
    index: path.join(root, INDEX_NAME),
    journal: path.join(root, JOURNAL_FILE),
    lock: path.join(root, 'lock'),
    objects: path.join(root, 'objects'),
    tmp: path.join(root, 'tmp'),
    parts: path.join(root, 'parts'),
  };
}

export function contentPath(layout: Layout, key: string): string {
  return path.join(layout.objects, key);
}

export function intentPath(layout: Layout, key: string): string {
  return path.join(layout.objects, key + INTENT_SUFFIX);
}

/** Whether a name in the root folder is an index (snapshot or journal) temp file. */
export function isIndexTemp(name: string): boolean {
  return (name.startsWith(INDEX_NAME + '.') || name.startsWith(JOURNAL_FILE + '.')) && name.endsWith('.tmp');
}
