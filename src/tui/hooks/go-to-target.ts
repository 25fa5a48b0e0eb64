// Going to a typed path, shared by the C-g prompt and the ':cd' command: how
// paths read on each side, where the folder names come from, and the check that
// the folder exists before the pane moves.

import { homedir } from 'node:os';
import { localFolderNames, remoteFolderNames } from '../../client/folder-names.js';
import { localSideAt, type LocalSide } from '../../client/local-side.js';
import type { FerryApi } from '../../client/types.js';
import { errorText } from '../errors.js';
import { shownPath, targetOf, type GoToContext } from '../state/goto.js';
import { parentPath } from '../state/pane.js';

/** Sub-folder names of a folder of the side (side-relative path); rejects when it cannot be listed. */
export type FolderSource = (dir: string) => Promise<string[]>;

/** Where a typed path leads if that folder exists: checked in its parent's listing. */
export async function checkTarget(typed: string, context: GoToContext, folders: FolderSource): Promise<{ path: string } | { error: string }> {
  const target = targetOf(typed, context);
  if ('error' in target || target.path === '') return target;
  const name = target.path.slice(target.path.lastIndexOf('/') + 1);
  try {
    const names = await folders(parentPath(target.path));
    return names.includes(name) ? target : { error: `no such folder: ${shownPath(target.path)}` };
  } catch (err) {
    return { error: `cannot go to ${shownPath(target.path)}: ${errorText(err)}` };
  }
}

/** What the prompt needs for one side: how paths read there, and its folders. */
export function goToSide(
  side: 'local' | 'remote',
  current: string,
  api: Pick<FerryApi, 'list'>,
  localSide: LocalSide,
): { context: GoToContext; folders: FolderSource } {
  if (side === 'remote') return { context: { side, current }, folders: (dir) => remoteFolderNames(api, dir) };
  const home = localSideAt(homedir());
  return {
    context: { side, current, ...(home.side.root === localSide.root ? { home: home.path } : {}) },
    folders: (dir) => localFolderNames(localSide.resolve(dir)),
  };
}
