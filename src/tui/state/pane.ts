// The browser model of one pane: listing, sort, hidden files, cursor, scroll window
// and marks. Pure, so 100,000-entry behaviour is tested without rendering.

import { nameMatcher } from '../../client/filter.js';
import type { Entry } from '../../client/types.js';
import { isTreeSearch, type Filters } from './filters.js';
import { fitList, type ListMove, moveList } from './list-cursor.js';

export type SortKey = 'name' | 'size' | 'time';
export type VerifyMark = 'same' | 'differs' | 'nolocal' | 'pending' | 'failed';

export interface PaneState {
  side: 'local' | 'remote';
  /** Folder shown, relative to the side's root; '' is the root. */
  path: string;
  entries: readonly Entry[];
  /** What is drawn: sorted, hidden files removed, '..' first below the root. */
  view: readonly Entry[];
  cursor: number;
  /** First visible row of `view`. */
  offset: number;
  marked: ReadonlySet<string>;
  sort: SortKey;
  reverse: boolean;
  showHidden: boolean;
  filters: Filters;
  loading: boolean;
  error: string | null;
  /** Bumped to ask for a fresh listing. */
  reload: number;
  verify: ReadonlyMap<string, VerifyMark>;
  /** After going up: the folder we came from, to put the cursor on once listed. */
  reselect?: string;
  /** Rows (without '..') and file bytes of the view, kept with it so no render walks 100,000 rows. */
  totals: { items: number; bytes: number };
  /** Rows kept in the view, when narrowed (compared folders' "differences only"). */
  keep?: (e: Entry) => boolean;
}

export type PaneAction =
  | { type: 'loading' }
  | { type: 'loaded'; entries: readonly Entry[] }
  /** Rows so far of a listing still streaming in (the whole list so far, replacing the last). */
  | { type: 'partial'; entries: readonly Entry[] }
  /** Go to a search result where it is: its folder, the cursor on it, the search ended. */
  | { type: 'reveal'; path: string }
  /** The name filter as typed: the view narrows at once, nothing is listed again. */
  | { type: 'nameFilter'; name: string | undefined }
  | { type: 'failed'; error: string }
  | { type: 'move'; delta: number; height: number }
  | { type: 'moveTo'; index: number; height: number }
  | { type: 'list'; move: ListMove; height: number }
  | { type: 'cd'; path: string; reselect?: string }
  | { type: 'parent' }
  | { type: 'toggleMark'; height: number }
  | { type: 'clearMarks' }
  | { type: 'markAll' }
  | { type: 'cycleSort' }
  | { type: 'reverse' }
  | { type: 'toggleHidden' }
  | { type: 'setFilters'; filters: Filters }
  | { type: 'refresh' }
  | { type: 'verify'; path: string; mark: VerifyMark | null }
  | { type: 'verifyMany'; marks: ReadonlyArray<readonly [string, VerifyMark]> }
  | { type: 'narrow'; keep: ((e: Entry) => boolean) | null };

export const PARENT_NAME = '..';

export function initialPane(side: 'local' | 'remote', path = ''): PaneState {
  return {
    side,
    path,
    entries: [],
    view: [],
    cursor: 0,
    offset: 0,
    marked: new Set(),
    sort: 'name',
    reverse: false,
    showHidden: false,
    filters: {},
    loading: true,
    error: null,
    reload: 0,
    verify: new Map(),
    totals: { items: 0, bytes: 0 },
  };
}

export function viewTotals(view: readonly Entry[]): { items: number; bytes: number } {
  let items = 0;
  let bytes = 0;
  for (const e of view) {
    if (e.name === PARENT_NAME) continue;
    items++;
    if (e.type === 'file') bytes += e.size;
  }
  return { items, bytes };
}

export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

export function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compare(sort: SortKey): (a: Entry, b: Entry) => number {
  const byName = (a: Entry, b: Entry) => collator.compare(a.path, b.path);
  if (sort === 'size') return (a, b) => a.size - b.size || byName(a, b);
  if (sort === 'time') return (a, b) => a.mtimeMs - b.mtimeMs || byName(a, b);
  return byName;
}

/** Sorted, filtered rows. Folders always come first, whatever the order. */
export function buildView(s: Pick<PaneState, 'entries' | 'sort' | 'reverse' | 'showHidden' | 'path' | 'filters' | 'keep'>): Entry[] {
  const cmp = compare(s.sort);
  const sign = s.reverse ? -1 : 1;
  const named = s.filters.name ? nameMatcher(s.filters.name) : undefined;
  let rows = s.entries.filter((e) => (s.showHidden || !e.name.startsWith('.')) && (!named || named(e.name)));
  if (s.keep) rows = rows.filter(s.keep);
  rows.sort((a, b) => {
    // Folders first; files and broken links among each other.
    const rank = (e: Entry) => (e.type === 'dir' ? 0 : 1);
    if (rank(a) !== rank(b)) return rank(a) - rank(b);
    return sign * cmp(a, b);
  });
  // A search lists matches from the whole tree: '..' would mislead there.
  if (s.path !== '' && !isTreeSearch(s.filters)) {
    rows.unshift({ path: parentPath(s.path), name: PARENT_NAME, ext: '', size: 0, mtimeMs: 0, mtime: '', type: 'dir' });
  }
  return rows;
}

/** Keep the cursor inside the window [offset, offset + height). */
export function clampOffset(cursor: number, offset: number, height: number, length: number): number {
  return fitList({ cursor, top: offset }, { length, page: height }).top;
}

function moveBy(s: PaneState, m: ListMove, height: number): PaneState {
  const c = moveList({ cursor: s.cursor, top: s.offset }, m, { length: s.view.length, page: height });
  return c.cursor === s.cursor && c.top === s.offset ? s : { ...s, cursor: c.cursor, offset: c.top };
}

function moveTo(s: PaneState, index: number, height: number): PaneState {
  return moveBy(s, { type: 'to', index: Math.max(0, index) }, height);
}

function withView(s: PaneState): PaneState {
  const selected = s.reselect ?? s.view[s.cursor]?.path;
  const view = buildView(s);
  // Nothing selected yet (a first listing): keep the starting row, if there is one.
  let cursor = selected === undefined ? Math.min(s.cursor, Math.max(0, view.length - 1)) : view.findIndex((e) => e.path === selected);
  if (cursor < 0) cursor = Math.min(s.cursor, Math.max(0, view.length - 1));
  return { ...s, view, cursor, totals: viewTotals(view) };
}

export function selectedEntry(s: PaneState): Entry | undefined {
  const e = s.view[s.cursor];
  return e && e.name !== PARENT_NAME ? e : undefined;
}

/** Marked files if any, otherwise the selected file: what a transfer acts on. */
export function targetEntries(s: PaneState): Entry[] {
  if (s.marked.size > 0) return s.view.filter((e) => s.marked.has(e.path));
  const e = selectedEntry(s);
  return e && e.type === 'file' ? [e] : [];
}

export function paneReducer(s: PaneState, a: PaneAction): PaneState {
  switch (a.type) {
    case 'loading':
      return { ...s, loading: true, error: null };
    case 'loaded': {
      const paths = new Set(a.entries.map((e) => e.path));
      const marked = new Set([...s.marked].filter((p) => paths.has(p)));
      return { ...withView({ ...s, entries: a.entries, loading: false, error: null, marked }), reselect: undefined };
    }
    case 'partial': {
      const paths = new Set(a.entries.map((e) => e.path));
      const marked = new Set([...s.marked].filter((p) => paths.has(p)));
      // The place to return to stays wanted until the listing is complete.
      return { ...withView({ ...s, entries: a.entries, loading: true, error: null, marked }), reselect: s.reselect };
    }
    case 'reveal':
      return {
        ...s,
        path: parentPath(a.path),
        cursor: 0,
        offset: 0,
        marked: new Set(),
        entries: [],
        view: [],
        totals: { items: 0, bytes: 0 },
        loading: true,
        filters: {},
        verify: new Map(),
        reselect: a.path,
        // Listed again even when the folder is the one shown: the search's results go.
        reload: s.reload + 1,
      };
    case 'nameFilter': {
      // The row under the cursor stays selected while it matches; the pane scrolls to it when drawn.
      return { ...withView({ ...s, filters: { ...s.filters, name: a.name || undefined } }), offset: 0 };
    }
    case 'failed':
      return {
        ...s,
        loading: false,
        error: a.error,
        entries: [],
        view: buildView({ ...s, entries: [] }),
        cursor: 0,
        offset: 0,
        totals: { items: 0, bytes: 0 },
        // Remembered for the next listing (a reload once the server is back), so
        // a dropped connection does not lose the user's place.
        reselect: s.reselect ?? s.view[s.cursor]?.path,
      };
    case 'move':
      return moveBy(s, { type: 'by', delta: a.delta }, a.height);
    case 'moveTo':
      return moveBy(s, { type: 'to', index: a.index }, a.height);
    case 'list':
      return moveBy(s, a.move, a.height);
    case 'cd':
      if (a.path === s.path) return s;
      return {
        ...s,
        path: a.path,
        cursor: 0,
        offset: 0,
        marked: new Set(),
        entries: [],
        view: [],
        totals: { items: 0, bytes: 0 },
        loading: true,
        // Leaving a folder ends its search: the folder entered is a place to browse.
        filters: {},
        verify: new Map(),
        // Back from a sub-folder: land on it, as going up does.
        reselect: a.reselect,
      };
    case 'parent':
      // Land on the folder we just left, as file managers do.
      return s.path === '' ? s : { ...paneReducer(s, { type: 'cd', path: parentPath(s.path) }), reselect: s.path };
    case 'toggleMark': {
      const e = selectedEntry(s);
      if (e?.type !== 'file') return moveTo(s, s.cursor + 1, a.height);
      const marked = new Set(s.marked);
      if (marked.has(e.path)) marked.delete(e.path);
      else marked.add(e.path);
      return moveTo({ ...s, marked }, s.cursor + 1, a.height);
    }
    case 'clearMarks':
      return s.marked.size === 0 ? s : { ...s, marked: new Set() };
    case 'markAll': {
      // A toggle: with anything marked it clears, so one key undoes itself.
      if (s.marked.size > 0) return { ...s, marked: new Set() };
      return { ...s, marked: new Set(s.view.filter((e) => e.type === 'file').map((e) => e.path)) };
    }
    case 'cycleSort': {
      const next: Record<SortKey, SortKey> = { name: 'size', size: 'time', time: 'name' };
      return withView({ ...s, sort: next[s.sort] });
    }
    case 'reverse':
      return withView({ ...s, reverse: !s.reverse });
    case 'toggleHidden':
      return withView({ ...s, showHidden: !s.showHidden });
    case 'setFilters':
      return { ...s, filters: a.filters, loading: true, reload: s.reload + 1, cursor: 0, offset: 0 };
    case 'refresh':
      return { ...s, reload: s.reload + 1 };
    case 'verify': {
      const verify = new Map(s.verify);
      if (a.mark === null) verify.delete(a.path);
      else verify.set(a.path, a.mark);
      return { ...s, verify };
    }
    case 'verifyMany': {
      const verify = new Map(s.verify);
      for (const [p, m] of a.marks) verify.set(p, m);
      return { ...s, verify };
    }
    case 'narrow': {
      const { keep: _, ...rest } = s;
      return withView(a.keep ? { ...rest, keep: a.keep } : rest);
    }
  }
}
