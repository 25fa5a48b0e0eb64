// Where a mouse report lands on the two panes, and when two clicks are one
// double-click. Pure: the screen's arithmetic comes in as numbers.

import { clampOffset, type PaneState } from './pane.js';

export type PaneSide = 'local' | 'remote';

export interface PaneGeometry {
  columns: number;
  leftWidth: number;
  /** Screen row (from 1) of the panes' top border. */
  top: number;
  /** Height of each pane box, borders included. */
  paneHeight: number;
  listRows: number;
}

/** Rows above a pane's first list row: the top border and the column header. */
const ABOVE_LIST = 2;

/** The pane at column x, row y (from 1), and which of its list rows (0 first), if one. */
export function paneAt(g: PaneGeometry, x: number, y: number): { pane: PaneSide; row: number | null } | null {
  if (y < g.top || y >= g.top + g.paneHeight || x < 1 || x > g.columns) return null;
  const pane = x <= g.leftWidth ? 'local' : 'remote';
  const row = y - g.top - ABOVE_LIST;
  return { pane, row: row >= 0 && row < g.listRows ? row : null };
}

/** The view index drawn on list row `row`, as the pane draws its window; null below the last entry. */
export function indexAtRow(s: Pick<PaneState, 'cursor' | 'offset' | 'view'>, listRows: number, row: number): number | null {
  const i = clampOffset(s.cursor, s.offset, listRows, s.view.length) + row;
  return i < s.view.length ? i : null;
}

export interface Click {
  pane: PaneSide;
  index: number;
  time: number;
}

/** Clicks this close together, on the same row, are one double-click. */
export const DOUBLE_CLICK_MS = 400;

export function isDoubleClick(prev: Click | null, next: Click, windowMs = DOUBLE_CLICK_MS): boolean {
  return prev !== null && prev.pane === next.pane && prev.index === next.index && next.time - prev.time <= windowMs && next.time >= prev.time;
}
