// The mouse over the two panes: a click selects the row under the pointer and
// makes its pane the active one, a double-click opens it (as Enter), the wheel
// scrolls the pane under the pointer. Only while the panes are what is on
// screen; any open view, prompt or dialog owns the mouse as it owns the keys.

import { useRef } from 'react';
import { indexAtRow, isDoubleClick, paneAt, type Click, type PaneGeometry, type PaneSide } from '../state/pane-hit.js';
import type { PaneState } from '../state/pane.js';
import { Priority, useKeypress } from './use-keypress.js';
import type { Latest } from './use-store.js';

/** Rows one notch of the wheel moves. */
export const WHEEL_ROWS = 3;

export interface PaneMouseOptions {
  /** The panes are on screen with nothing over them. */
  active(): boolean;
  geometry(): PaneGeometry;
  panes: Record<PaneSide, Latest<PaneState>>;
  /** Make `pane` active and, when a row was hit, put its cursor on `index`. */
  select(pane: PaneSide, index: number | null): void;
  open(pane: PaneSide): void;
  scroll(pane: PaneSide, rows: number): void;
  now?: () => number;
}

export function usePaneMouse(o: PaneMouseOptions): void {
  const last = useRef<Click | null>(null);
  // Above the pane keys, which would take the wheel for the focused pane's cursor.
  useKeypress((key) => {
    const m = key.mouse;
    if (m === undefined || !o.active()) return false;
    const g = o.geometry();
    const hit = paneAt(g, m.x, m.y);
    if (!hit) return true;
    if (m.kind === 'wheel') {
      o.scroll(hit.pane, m.wheel === 'up' ? -WHEEL_ROWS : WHEEL_ROWS);
      return true;
    }
    if (m.button !== 'left') return true;
    const index = hit.row === null ? null : indexAtRow(o.panes[hit.pane].current, g.listRows, hit.row);
    o.select(hit.pane, index);
    if (index === null) {
      last.current = null;
      return true;
    }
    const click = { pane: hit.pane, index, time: (o.now ?? Date.now)() };
    if (isDoubleClick(last.current, click)) {
      // A third click starts again rather than opening twice.
      last.current = null;
      o.open(hit.pane);
    } else last.current = click;
    return true;
  }, Priority.Panes + 1);
}
