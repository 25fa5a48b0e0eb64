// The cursor and scroll window of every list the app draws (panes, check-all, logs,
// cache, transfers, help), in one place so they all move alike: what PageUp means,
// where the window goes when the list shrinks under the cursor, what happens in an
// empty list. Pure: the lists keep the numbers in their own state or in the hook.

export interface ListCursor {
  /** The selected row (in a scroll-only list, the first row shown). */
  cursor: number;
  /** The first row shown. */
  top: number;
}

export interface ListShape {
  /** Rows in the list. */
  length: number;
  /** Rows the window shows. */
  page: number;
  /**
   * A list without a selected row (logs, help): moves scroll the window itself, and
   * the window never runs past the end.
   */
  scroll?: boolean;
}

export type ListMove =
  | { type: 'up' }
  | { type: 'down' }
  | { type: 'pageUp' }
  | { type: 'pageDown' }
  | { type: 'top' }
  | { type: 'bottom' }
  | { type: 'by'; delta: number }
  /** A row by index; a negative index counts from the end (-1 is the last row). */
  | { type: 'to'; index: number };

export const START: ListCursor = { cursor: 0, top: 0 };

const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, n));

/** The highest `top` that still fills the window (0 for a list shorter than it). */
function lastTop(shape: ListShape): number {
  return Math.max(0, shape.length - Math.max(1, shape.page));
}

/**
 * The cursor inside the list and the window around the cursor: what a list must be
 * after it shrank, grew or its window changed height. Rows below the end are never
 * shown while rows above could be.
 */
export function fitList(c: ListCursor, shape: ListShape): ListCursor {
  const page = Math.max(1, shape.page);
  if (shape.scroll) {
    const top = clamp(c.top, 0, lastTop(shape));
    return top === c.top && c.cursor === top ? c : { cursor: top, top };
  }
  const cursor = clamp(c.cursor, 0, Math.max(0, shape.length - 1));
  let top = c.top;
  if (cursor < top) top = cursor;
  if (cursor >= top + page) top = cursor - page + 1;
  top = clamp(top, 0, lastTop(shape));
  return cursor === c.cursor && top === c.top ? c : { cursor, top };
}

/** Where a move lands, fitted to the list. */
export function moveList(c: ListCursor, m: ListMove, shape: ListShape): ListCursor {
  const page = Math.max(1, shape.page);
  const from = fitList(c, shape);
  // A scroll-only list moves its window; a list with a cursor moves the cursor
  // and the window follows.
  const at = shape.scroll ? from.top : from.cursor;
  const end = shape.scroll ? lastTop(shape) : shape.length - 1;
  let to: number;
  switch (m.type) {
    case 'up':
      to = at - 1;
      break;
    case 'down':
      to = at + 1;
      break;
    case 'pageUp':
      to = at - page;
      break;
    case 'pageDown':
      to = at + page;
      break;
    case 'top':
      to = 0;
      break;
    case 'bottom':
      to = end;
      break;
    case 'by':
      to = at + m.delta;
      break;
    case 'to':
      to = m.index < 0 ? end + 1 + m.index : m.index;
      break;
  }
  if (shape.scroll) return fitList({ cursor: to, top: to }, shape);
  // Paging moves the window with the cursor, so the rows seen are a page further on.
  const top = m.type === 'pageUp' || m.type === 'pageDown' ? from.top + (to - at) : from.top;
  return fitList({ cursor: clamp(to, 0, Math.max(0, shape.length - 1)), top }, shape);
}

/** The window's rows of `rows`, for drawing. */
export function visibleRows<T>(rows: readonly T[], c: ListCursor, page: number): readonly T[] {
  return rows.slice(c.top, c.top + Math.max(1, page));
}
