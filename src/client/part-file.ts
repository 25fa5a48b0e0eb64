// Opening the .part file a download writes into. The destination folder may be
// shared with other people, so whatever is found at the .part's name is not
// trusted: a symlink planted there (to a file of the victim's) is never
// followed, and a fresh download starts from a file it created itself.

import { constants } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';

// O_NOFOLLOW is POSIX; where it is missing (Windows) symlinks need privileges to make.
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;

/**
 * `resume`: reopen the .part to write more into it, only if it is a regular
 * file (not through a link). Otherwise, or for a fresh start: remove whatever
 * has the name (a link goes, its target is untouched) and create the file
 * exclusively. Resolves with the handle and whether it continues the old bytes.
 */
export async function openPart(file: string, resume: boolean): Promise<{ handle: FileHandle; resumed: boolean }> {
  if (resume) {
    try {
      const handle = await open(file, constants.O_RDWR | NOFOLLOW);
      if ((await handle.stat()).isFile()) return { handle, resumed: true };
      await handle.close();
    } catch (err) {
      if (!['ELOOP', 'ENOENT', 'EISDIR', 'ENXIO'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    }
  }
  const create = () => open(file, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, 0o600);
  try {
    return { handle: await create(), resumed: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  // Something has the name (an old .part, or a planted link): remove it, never follow it.
  await unlink(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  return { handle: await create(), resumed: false };
}
