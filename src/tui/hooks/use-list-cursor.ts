// One hook for the cursor of every list view: the navigation keys become moves of
// the pure list-cursor reducer, and what is drawn is always fitted to the list as it
// is now (shrunk, grown, resized). A list keeps its cursor here, or in its own
// reducer (`state` + `onMove`), or by identity (`selected`: the index of the row it
// follows, such as a transfer by id while the rows reorder).

import { useCallback, useRef, useState } from 'react';
import { Command } from '../keys/bindings.js';
import { fitList, type ListCursor, type ListMove, type ListShape, moveList, START } from '../state/list-cursor.js';

/** The move a navigation command makes, or undefined for any other command. */
export function listMoveFor(c: Command | undefined): ListMove | undefined {
  switch (c) {
    case Command.Up:
      return { type: 'up' };
    case Command.Down:
      return { type: 'down' };
    case Command.PageUp:
      return { type: 'pageUp' };
    case Command.PageDown:
      return { type: 'pageDown' };
    case Command.Top:
      return { type: 'top' };
    case Command.Bottom:
      return { type: 'bottom' };
    default:
      return undefined;
  }
}

export interface ListCursorOptions {
  /** The cursor as a reducer keeps it; moves then go to `onMove` instead of the hook's state. */
  state?: ListCursor;
  onMove?(m: ListMove, shape: ListShape): void;
  /** The index of the row the list follows by identity; overrides the kept cursor. */
  selected?: number;
}

export interface ListCursorHook extends ListCursor {
  /** Apply a move; returns where it lands (before React draws it). */
  move(m: ListMove): ListCursor;
  /** Run a navigation command; false when `c` is not one. */
  command(c: Command | undefined): boolean;
}

export function useListCursor(shape: ListShape, options: ListCursorOptions = {}): ListCursorHook {
  const [own, setOwn] = useState<ListCursor>(START);
  const base = options.state ?? (options.selected !== undefined ? { cursor: options.selected, top: own.top } : own);
  const now = fitList(base, shape);
  // Keys can come faster than renders: the next move starts from the last one.
  const latest = useRef({ now, shape, options });
  latest.current = { now, shape, options };
  const move = useCallback((m: ListMove): ListCursor => {
    const { now: from, shape: sh, options: o } = latest.current;
    const next = moveList(from, m, sh);
    latest.current = { ...latest.current, now: next };
    if (o.state && o.onMove) o.onMove(m, sh);
    else setOwn(next);
    return next;
  }, []);
  const command = useCallback(
    (c: Command | undefined): boolean => {
      const m = listMoveFor(c);
      if (!m) return false;
      move(m);
      return true;
    },
    [move],
  );
  return { ...now, move, command };
}
