// Where things live inside a cache folder. One place, so the cache, the
// repair and the tests agree.
//
//   index.json                    the index (replaced whole by atomic rename)
//   index.json.<pid>-<rand>.tmp   an index being written (only under the lock)
//   lock                          the lock file (see lock.ts)
//   objects/<md5>                 content, named by its MD5
//   objects/<md5>.intent          "about to add <md5>": written before content
//                                 is moved in, removed once the index names it
//   tmp/<pid>-<rand>.<kind>       private scratch files of process <pid>
//   parts/<key>.part, .part.json  resumable downloads, keyed by server + path

import path from 'node:path';

export interface Layout {
  root: string;
  index: string;
  lock: string;
  objects: string;
  tmp: string;
  parts: string;
}

export const INDEX_NAME = 'index.json';
export const MD5_RE = /^[0-9a-f]{32}$/;
export const INTENT_SUFFIX = '.intent';

export function layoutOf(root: string): Layout {
  return {
    root,
    index: path.join(root, INDEX_NAME),
    lock: path.join(root, 'lock'),
    objects: path.join(root, 'objects'),
    tmp: path.join(root, 'tmp'),
    parts: path.join(root, 'parts'),
  };
}

export function contentPath(layout: Layout, md5: string): string {
  return path.join(layout.objects, md5);
}

export function intentPath(layout: Layout, md5: string): string {
  return path.join(layout.objects, md5 + INTENT_SUFFIX);
}

/** Whether a name in the root folder is an index temp file. */
export function isIndexTemp(name: string): boolean {
  return name.startsWith(INDEX_NAME + '.') && name.endsWith('.tmp');
}
