// Back and forward for one pane. Whatever moved the pane (Enter, Backspace, a
// typed path, a search result) counts as a visit: the hook watches the pane's
// folder rather than each way of changing it, so a new way of moving needs no
// change here. Back and forward move the pane themselves and say so first.

import { useCallback, useEffect, useRef } from 'react';
import { emptyHistory, goBack, goForward, visit, type NavHistory } from '../state/nav-history.js';
import type { PaneAction, PaneState } from '../state/pane.js';
import type { Latest } from './use-store.js';

export interface PaneNav {
  /** Go back (or forward); false when there is nowhere to go. */
  go(direction: 'back' | 'forward'): boolean;
  readonly history: Latest<NavHistory>;
}

export function useNavHistory(pane: Latest<PaneState>, path: string, dispatch: (a: PaneAction) => void): PaneNav {
  const history = useRef<NavHistory>(emptyHistory);
  // The folder the history last accounted for.
  const seen = useRef(pane.current.path);
  // Record a move made since (read fresh, so a key right after Enter sees it).
  const sync = useCallback(() => {
    const now = pane.current.path;
    if (now === seen.current) return;
    history.current = visit(history.current, seen.current);
    seen.current = now;
  }, [pane]);
  useEffect(sync, [path, sync]);
  const go = useCallback(
    (direction: 'back' | 'forward') => {
      sync();
      const step = (direction === 'back' ? goBack : goForward)(history.current, seen.current);
      if (!step) return false;
      const from = seen.current;
      history.current = step.history;
      seen.current = step.to;
      // Going back up lands on the sub-folder the pane was in, as Backspace does.
      const prefix = step.to === '' ? '' : `${step.to}/`;
      const child = from.startsWith(prefix) && from !== step.to ? prefix + from.slice(prefix.length).split('/')[0] : undefined;
      dispatch({ type: 'cd', path: step.to, ...(child ? { reselect: child } : {}) });
      return true;
    },
    [sync, dispatch],
  );
  return { go, history };
}
