// The steps of a sync besides its transfers, shared by `ferry sync` and the
// app's sync preview so both do them alike.
//
// Deleting: what the source no longer has goes into a trash folder
// under the destination's root (.ferry-trash/<time>/<path>), one rename per
// entry, so a sync that deleted too much can be undone by hand; or, told so,
// is removed for good. Written over FileOps, so `ferry sync` and the app do it
// the same way on either side: the share through the client's file operations,
// the local folder through LocalOps.

import { utimes } from 'node:fs/promises';
import { TRASH_DIR } from './local-tree.js';
import type { FileOps } from './types.js';

export type TrashOps = Pick<FileOps, 'mkdir' | 'move' | 'remove'>;

/** The trash folder's name for one sync: its start time, safe in a file name. */
export function trashStamp(now = new Date()): string {
  return now.toISOString().replace(/[:.]/g, '-');
}

const join = (a: string, b: string) => (a === '' ? b : `${a}/${b}`);

/**
 * Take `rel` (below `root`, both '/'-separated paths of the side `ops` works
 * on) out of the destination: into root/.ferry-trash/<stamp>/rel, or removed
 * with `noTrash`. Resolves with the trash folder used (side-relative), if any.
 */
export async function removeToTrash(ops: TrashOps, root: string, rel: string, options: { stamp: string; noTrash?: boolean }): Promise<string | undefined> {
  if (options.noTrash) {
    await ops.remove(join(root, rel), { recursive: true });
    return undefined;
  }
  const trash = join(root, `${TRASH_DIR}/${options.stamp}`);
  const to = `${trash}/${rel}`;
  await ops.mkdir(to.slice(0, to.lastIndexOf('/')), { parents: true });
  await ops.move(join(root, rel), to);
  return trash;
}

/** Give a local file (same content as the source's) the source's modification time. */
export async function setLocalTime(abs: string, mtimeMs: number): Promise<void> {
  await utimes(abs, mtimeMs / 1000, mtimeMs / 1000);
}
