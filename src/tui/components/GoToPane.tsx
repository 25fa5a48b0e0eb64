// C-g: a one-line prompt in the pane's last row. Tab completes folder names (on
// either side, from a one-folder listing), Enter goes there once the folder is
// known to exist, Esc cancels. A path that leads nowhere is a message and the
// pane stays where it was.

import { useEffect, useRef } from 'react';
import { escapeControls } from '../../safe-text.js';
import { errorText } from '../errors.js';
import { checkTarget, type FolderSource } from '../hooks/go-to-target.js';
import { useLineInput } from '../hooks/use-line-input.js';
import { applyCompletion, completionParts, shownPath, targetOf, type GoToContext } from '../state/goto.js';
import type { Message } from './MessageLine.js';
import { Pane, type PaneProps } from './Pane.js';
import { promptSegments } from './PromptLine.js';

export interface GoToPaneProps {
  pane: PaneProps;
  context: GoToContext;
  folders: FolderSource;
  onGo(path: string): void;
  onCancel(): void;
  onMessage(m: Message | null): void;
}

const MAX_SHOWN = 12;

export function GoToPane({ pane, context, folders, onGo, onCancel, onMessage }: GoToPaneProps) {
  // A check or a listing that ends after Esc closed the prompt must not move the pane.
  const open = useRef(true);
  useEffect(
    () => () => {
      open.current = false;
    },
    [],
  );
  const line = useLineInput({
    onCancel,
    onSubmit: (text) => {
      void checkTarget(text, context, folders).then((r) => {
        if (!open.current) return;
        if ('error' in r) return onMessage({ level: 'error', text: r.error });
        onMessage(null);
        onGo(r.path);
      });
    },
    // Tab: the line with the folder name begun completed (the hook drops an
    // answer for a line that changed meanwhile); the candidates go to the message.
    complete: async (typed) => {
      const { folder, prefix } = completionParts(typed);
      // The folder part resolves like a whole path; '' is the pane's own folder.
      const dir = folder === '' ? { path: context.current } : targetOf(folder, context);
      if ('error' in dir) {
        onMessage({ level: 'error', text: dir.error });
        return undefined;
      }
      let names: string[];
      try {
        names = await folders(dir.path);
      } catch (err) {
        if (open.current) onMessage({ level: 'error', text: `cannot list ${shownPath(dir.path)}: ${errorText(err)}` });
        return undefined;
      }
      if (!open.current) return undefined;
      // A name that needs escaping to be shown (a hostile share's) is not typed into the line.
      const { text, matches } = applyCompletion(
        typed,
        names.filter((n) => escapeControls(n) === n),
      );
      if (matches.length === 0) onMessage({ level: 'info', text: `no folder here begins '${prefix}'` });
      else if (matches.length > 1) {
        const more = matches.length > MAX_SHOWN ? ` … ${matches.length - MAX_SHOWN} more` : '';
        const shown = matches
          .slice(0, MAX_SHOWN)
          .map((m) => `${m}/`)
          .join('  ');
        onMessage({ level: 'info', text: `${matches.length} folders: ${shown}${more}` });
      } else onMessage(null);
      return text === typed ? undefined : text;
    },
  });
  const inner = Math.max(1, pane.width - 2);
  return <Pane {...pane} prompt={promptSegments(' go to: ', line, inner, ' Tab Enter Esc ')} />;
}
