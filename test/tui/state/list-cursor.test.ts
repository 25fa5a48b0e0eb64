import { describe, expect, it } from 'vitest';
import { fitList, type ListCursor, type ListMove, type ListShape, moveList, visibleRows } from '../../../src/tui/state/list-cursor.js';

const c = (cursor: number, top: number): ListCursor => ({ cursor, top });
const up: ListMove = { type: 'up' };
const down: ListMove = { type: 'down' };
const pageUp: ListMove = { type: 'pageUp' };
const pageDown: ListMove = { type: 'pageDown' };
const top: ListMove = { type: 'top' };
const bottom: ListMove = { type: 'bottom' };

describe('moveList with a cursor (100 rows, 10 shown)', () => {
  const shape: ListShape = { length: 100, page: 10 };
  const cases: Array<[string, ListCursor, ListMove, ListCursor]> = [
    ['down inside the window', c(0, 0), down, c(1, 0)],
    ['down off the window scrolls one row', c(9, 0), down, c(10, 1)],
    ['down at the end stays', c(99, 90), down, c(99, 90)],
    ['up inside the window', c(5, 0), up, c(4, 0)],
    ['up off the window scrolls one row', c(10, 10), up, c(9, 9)],
    ['up at the top stays', c(0, 0), up, c(0, 0)],
    ['page down moves cursor and window a page', c(3, 0), pageDown, c(13, 10)],
    ['page down near the end stops at the last row', c(95, 90), pageDown, c(99, 90)],
    ['page up moves cursor and window a page', c(25, 20), pageUp, c(15, 10)],
    // The transfer list used to jump to the first row here.
    ['page up from the middle is not the top', c(50, 45), pageUp, c(40, 35)],
    ['page up near the top stops at row 0', c(4, 0), pageUp, c(0, 0)],
    ['top', c(50, 45), top, c(0, 0)],
    ['bottom', c(5, 0), bottom, c(99, 90)],
    ['by a delta', c(5, 0), { type: 'by', delta: 20 }, c(25, 16)],
    ['to an index', c(0, 0), { type: 'to', index: 42 }, c(42, 33)],
    ['to -1 is the last row', c(0, 0), { type: 'to', index: -1 }, c(99, 90)],
    ['to past the end clamps', c(0, 0), { type: 'to', index: 500 }, c(99, 90)],
  ];
  it.each(cases)('%s', (_name, from, move, to) => {
    expect(moveList(from, move, shape)).toEqual(to);
  });
});

describe('moveList in short and empty lists', () => {
  const cases: Array<[string, ListShape, ListCursor, ListMove, ListCursor]> = [
    ['empty: every move stays at 0', { length: 0, page: 10 }, c(0, 0), down, c(0, 0)],
    ['empty: bottom', { length: 0, page: 10 }, c(0, 0), bottom, c(0, 0)],
    ['shorter than the window: page down goes to the last row', { length: 3, page: 10 }, c(0, 0), pageDown, c(2, 0)],
    ['shorter than the window: page up goes to the first row', { length: 3, page: 10 }, c(2, 0), pageUp, c(0, 0)],
    ['a window of 0 rows behaves as 1', { length: 5, page: 0 }, c(0, 0), down, c(1, 1)],
  ];
  it.each(cases)('%s', (_name, shape, from, move, to) => {
    expect(moveList(from, move, shape)).toEqual(to);
  });
});

describe('moveList without a cursor (scroll-only: logs, help)', () => {
  const shape: ListShape = { length: 50, page: 10, scroll: true };
  const cases: Array<[string, ListCursor, ListMove, number]> = [
    ['down scrolls one line', c(0, 0), down, 1],
    ['up at the top stays', c(0, 0), up, 0],
    ['page down', c(0, 0), pageDown, 10],
    ['page down never shows past the end', c(35, 35), pageDown, 40],
    ['page up', c(25, 25), pageUp, 15],
    ['bottom is the last full window', c(0, 0), bottom, 40],
    ['to -1 is the last full window', c(0, 0), { type: 'to', index: -1 }, 40],
    ['top', c(30, 30), top, 0],
  ];
  it.each(cases)('%s', (_name, from, move, topAfter) => {
    expect(moveList(from, move, shape)).toEqual(c(topAfter, topAfter));
  });
});

describe('fitList when the list changes under the cursor', () => {
  const cases: Array<[string, ListCursor, ListShape, ListCursor]> = [
    ['shrinks below the cursor: cursor to the new last row', c(80, 75), { length: 20, page: 10 }, c(19, 10)],
    ['shrinks to nothing', c(80, 75), { length: 0, page: 10 }, c(0, 0)],
    ['shrinks so the window would show rows past the end', c(92, 90), { length: 95, page: 10 }, c(92, 85)],
    ['grows: nothing moves', c(5, 0), { length: 1000, page: 10 }, c(5, 0)],
    ['the window got shorter: the cursor stays in view', c(9, 0), { length: 100, page: 5 }, c(9, 5)],
    ['the window got taller: it shows more above, not empty rows', c(99, 90), { length: 100, page: 20 }, c(99, 80)],
    ['already fitted: the same object back', c(3, 0), { length: 10, page: 5 }, c(3, 0)],
    ['scroll-only: shrinks', c(40, 40), { length: 15, page: 10, scroll: true }, c(5, 5)],
  ];
  it.each(cases)('%s', (_name, from, shape, to) => {
    expect(fitList(from, shape)).toEqual(to);
  });

  it('returns the same object when nothing changes (no redraw for nothing)', () => {
    const at = c(3, 0);
    expect(fitList(at, { length: 10, page: 5 })).toBe(at);
  });
});

describe('visibleRows', () => {
  it('is the window of rows', () => {
    const rows = Array.from({ length: 30 }, (_, i) => i);
    expect(visibleRows(rows, c(12, 10), 5)).toEqual([10, 11, 12, 13, 14]);
    expect(visibleRows([], c(0, 0), 5)).toEqual([]);
  });
});
