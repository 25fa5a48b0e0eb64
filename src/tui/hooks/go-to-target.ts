// Going to a typed path, shared by the C-g prompt and the ':cd' command: how
// paths read on each side, where the folder names come from, the check that
// the folder exists before the pane moves, and Tab after ':cd '.

import { homedir } from 'node:os';
import { localFolderNames, remoteFolderNames } from '../../client/folder-names.js';
import { localSideAt, type LocalSide } from '../../client/local-side.js';
import type { ClassicCompleter } from '../../client/classic-complete.js';
import type { FerryApi } from '../../client/types.js';
import { escapeControls } from '../../safe-text.js';
import { errorText } from '../errors.js';
import { completeName, completionParts, shownPath, targetOf, type GoToContext } from '../state/goto.js';
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

/**
 * Tab on the ':' line: after `cd `, folder names of the side `side()` names
 * (the focused pane, asked at the moment of the Tab); any other line goes to
 * `otherwise` (the classic commands).
 */
export function withCdCompletion(otherwise: ClassicCompleter, side: () => { context: GoToContext; folders: FolderSource }): ClassicCompleter {
  return async (line) => {
    const cd = /^\s*cd\s+/.exec(line);
    if (!cd) {
      const c = await otherwise(line);
      // 'cd' is a word of the line too.
      return 'cd '.startsWith(line.trimStart()) && line.trim() !== '' ? { ...c, hits: [...c.hits, 'cd '] } : c;
    }
    const partial = line.slice(cd[0].length);
    const { context, folders } = side();
    const { folder, prefix } = completionParts(partial);
    const dir = folder === '' ? { path: context.current } : targetOf(folder, context);
    if ('error' in dir) return { hits: [], partial };
    const names = await folders(dir.path).catch(() => [] as string[]);
    const { matches } = completeName(
      prefix,
      names.filter((n) => escapeControls(n) === n),
    );
    return { hits: matches.map((m) => `${folder}${m}/`), partial };
  };
}
