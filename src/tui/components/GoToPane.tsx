// C-g: a one-line prompt in the pane's last row. Tab completes folder names (on
// either side, from a one-folder listing), Enter goes there once the folder is
// known to exist, Esc cancels. A path that leads nowhere is a message and the
// pane stays where it was.

import { homedir } from 'node:os';
import { localFolderNames, remoteFolderNames } from '../../client/folder-names.js';
import { localSideAt, type LocalSide } from '../../client/local-side.js';
import type { FerryApi } from '../../client/types.js';
import { errorText } from '../errors.js';
import { useLineInput } from '../hooks/use-line-input.js';
import { applyCompletion, completionParts, shownPath, targetOf, type GoToContext } from '../state/goto.js';
import { parentPath } from '../state/pane.js';
import type { Message } from './MessageLine.js';
import { Pane, type PaneProps } from './Pane.js';
import { promptSegments } from './PromptLine.js';

/** Sub-folder names of a folder of the side (side-relative path); rejects when it cannot be listed. */
export type FolderSource = (dir: string) => Promise<string[]>;

export interface GoToPaneProps {
  pane: PaneProps;
  context: GoToContext;
  folders: FolderSource;
  onGo(path: string): void;
  onCancel(): void;
  onMessage(m: Message | null): void;
}

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

const MAX_SHOWN = 12;

export function GoToPane({ pane, context, folders, onGo, onCancel, onMessage }: GoToPaneProps) {
  const line = useLineInput({
    onCancel,
    onSubmit: (text) => {
      void checkTarget(text, context, folders).then((r) => {
        if ('error' in r) return onMessage({ level: 'error', text: r.error });
        onMessage(null);
        onGo(r.path);
      });
    },
    onOtherKey: (name, edit) => {
      if (name !== 'tab') return false;
      const typed = edit.latest.current.text;
      const { folder } = completionParts(typed);
      // The folder part resolves like a whole path; '' is the pane's own folder.
      const dir = folder === '' ? { path: context.current } : targetOf(folder, context);
      if ('error' in dir) {
        onMessage({ level: 'error', text: dir.error });
        return true;
      }
      void folders(dir.path).then(
        (names) => {
          // Typing went on while the folder was read: the completion is for a line that is gone.
          if (edit.latest.current.text !== typed) return;
          const { text, matches } = applyCompletion(typed, names);
          if (text !== typed) edit.set(text);
          if (matches.length === 0) onMessage({ level: 'info', text: `no folder here begins '${completionParts(typed).prefix}'` });
          else if (matches.length > 1) {
            const more = matches.length > MAX_SHOWN ? ` … ${matches.length - MAX_SHOWN} more` : '';
            onMessage({
              level: 'info',
              text: `${matches.length} folders: ${matches
                .slice(0, MAX_SHOWN)
                .map((m) => `${m}/`)
                .join('  ')}${more}`,
            });
          } else onMessage(null);
        },
        (err: unknown) => onMessage({ level: 'error', text: `cannot list ${shownPath(dir.path)}: ${errorText(err)}` }),
      );
      return true;
    },
  });
  const inner = Math.max(1, pane.width - 2);
  return <Pane {...pane} prompt={promptSegments(' go to: ', line, inner, ' Tab Enter Esc ')} />;
}
