// One file pane (local or remote: the same component). Only the visible window of the
// view is turned into rows, so 100,000 entries cost what 20 do.

import { formatBytes, formatTime, plural } from '../../format.js';
import type { Entry } from '../../client/types.js';
import { filterChips, hasFilters, isTreeSearch } from '../state/filters.js';
import { paneColumns, SIZE_WIDTH, TIME_WIDTH, TYPE_WIDTH } from '../state/layout.js';
import { PARENT_NAME, type PaneState, type VerifyMark } from '../state/pane.js';
import { type CompareMark, MARK_GLYPH } from '../state/compare.js';
import { useListCursor } from '../hooks/use-list-cursor.js';
import { displayWidth, fit, truncateStart } from '../text.js';
import { Frame, titleRoom } from './Frame.js';
import type { LineSpec, Seg } from './Line.js';

export interface PaneProps {
  state: PaneState;
  label: string;
  width: number;
  height: number;
  listRows: number;
  focused: boolean;
  /** The connection to the server is down: a listing in progress waits for it. */
  offline?: boolean;
  /** The title's location, when it is not `label/path` (the local pane names its folder whole). */
  where?: string;
  /** A text field in place of the summary row (go to a path). */
  prompt?: LineSpec;
  /** The folders compared (`=`): each row's mark, and the counts for the title. */
  compare?: { mark(e: Entry): CompareMark | undefined; counts: string };
}

const COMPARE_COLOR: Record<CompareMark, Seg['color']> = {
  same: 'ok',
  differs: 'error',
  below: 'warn',
  time: 'warn',
  only: 'accent',
  type: 'error',
  unreadable: 'error',
};

const VERIFY_GLYPH: Record<VerifyMark, Seg> = {
  same: { text: '✓', color: 'ok' },
  differs: { text: '✗', color: 'error', bold: true },
  nolocal: { text: '·', color: 'muted' },
  pending: { text: '…', color: 'muted' },
  failed: { text: '!', color: 'error' },
};

function typeOf(e: Entry): string {
  if (e.type === 'dir') return 'dir';
  if (e.type === 'link') return 'link';
  return e.ext ? e.ext.slice(1) : '—';
}

/** Where a broken link points, as far as it may be told. */
export function linkTarget(e: Entry): string {
  return e.target ?? (e.link === 'outside' ? '(outside)' : '(missing)');
}

export function entryRow(e: Entry, s: PaneState, inner: number, showPath: boolean, compared?: CompareMark | null): LineSpec {
  const cols = paneColumns(inner);
  // Compared panes give each row a mark before its name (null: compared, but this row has none).
  const markWidth = compared === undefined ? 0 : 2;
  const marked = s.marked.has(e.path);
  const isParent = e.name === PARENT_NAME;
  // Search results from the tree below show where they are, from the folder searched.
  const where = showPath && s.path !== '' && e.path.startsWith(`${s.path}/`) ? e.path.slice(s.path.length + 1) : e.path;
  const shown = isParent ? '..' : (showPath ? where : e.name) + (e.type === 'dir' ? '/' : e.type === 'link' ? ` -> ${linkTarget(e)}` : '');
  const segs: Seg[] = [
    marked ? { text: '*', color: 'marked', bold: true } : { text: ' ' },
    ...(compared === undefined ? [] : [compared ? { text: `${MARK_GLYPH[compared]} `, color: COMPARE_COLOR[compared], bold: true } : { text: '  ' }]),
    {
      text: fit(shown, cols.name - markWidth),
      color: marked ? 'marked' : e.type === 'dir' ? 'dir' : e.type === 'link' ? 'error' : undefined,
      bold: e.type === 'dir',
    },
    e.type === 'link'
      ? { text: ' ' + fit('broken', SIZE_WIDTH - 1, 'right'), color: 'error' }
      : { text: ' ' + fit(isParent ? '' : e.type === 'dir' ? '—' : formatBytes(e.size), SIZE_WIDTH - 1, 'right') },
  ];
  if (cols.time) segs.push({ text: ' ' + fit(isParent ? '' : formatTime(e.mtimeMs).slice(0, 16), TIME_WIDTH), dim: true });
  if (cols.type) segs.push({ text: ' ' + fit(isParent ? '' : typeOf(e), TYPE_WIDTH), dim: true });
  const v = s.verify.get(e.path);
  segs.push({ text: ' ' }, v ? VERIFY_GLYPH[v] : { text: ' ' });
  return segs;
}

function headerRow(s: PaneState, inner: number): LineSpec {
  const cols = paneColumns(inner);
  const arrow = s.reverse ? '▼' : '▲';
  const h = (label: string, key: string) => (s.sort === key ? `${label}${arrow}` : label);
  let text = ' ' + fit(h('name', 'name'), cols.name) + ' ' + fit(h('size', 'size'), SIZE_WIDTH - 1, 'right');
  if (cols.time) text += ' ' + fit(h('modified', 'time'), TIME_WIDTH);
  if (cols.type) text += ' ' + fit('type', TYPE_WIDTH);
  return [{ text, dim: true }];
}

function summaryRow(s: PaneState, inner: number, offline = false): LineSpec {
  if (s.error) return [{ text: `✗ ${s.error}`, color: 'error' }];
  // The client retries a lost connection for a while: say that, not an endless "loading".
  const loading = offline ? 'waiting for the server to come back…' : 'loading…';
  if (s.loading && s.entries.length === 0) return [{ text: loading, dim: true }];
  const { items, bytes } = s.totals;
  const hidden = s.entries.length - items;
  let text = `${plural(items, 'item')} · ${formatBytes(bytes)}`;
  // Rows a name filter leaves out are not hidden files: say which it is.
  if (hidden > 0) text += s.filters.name ? ` · ${hidden} not matching` : ` · ${hidden} hidden`;
  if (s.marked.size > 0) text = `${s.marked.size} marked · ${text}`;
  if (s.view.length > 0) text = `${s.cursor + 1}/${s.view.length}  ${text}`;
  if (s.loading) text = `${loading} ${text}`;
  return [{ text: ' '.repeat(Math.max(0, inner - displayWidth(text) - 1)) + text, dim: true }];
}

/**
 * 'remote  host:port/docs/2024', cut at the start of the location when it does not
 * fit in `room`: the folder the user is in matters more than the server's name.
 */
export function paneTitle(state: PaneState, label: string, room = Number.POSITIVE_INFINITY, at?: string): string {
  const sep = label.endsWith('/') ? '' : '/';
  const where = at ?? (state.path === '' ? label : `${label}${sep}${state.path}`);
  const side = `${state.side}  `;
  return side + truncateStart(where, room - side.length);
}

export function Pane({ state, label, width, height, listRows, focused, offline = false, where, prompt, compare }: PaneProps) {
  const inner = width - 2;
  // The pane's reducer keeps the cursor; the window drawn is fitted to the rows now.
  const { top: offset } = useListCursor({ length: state.view.length, page: listRows }, { state: { cursor: state.cursor, top: state.offset } });
  const showPath = isTreeSearch(state.filters);
  const visible = state.view.slice(offset, offset + listRows);
  const rows: Array<{ spec: LineSpec; inverse?: boolean; key?: string | number }> = [{ spec: headerRow(state, inner), key: 'hdr' }];
  visible.forEach((e, i) => {
    const selected = offset + i === state.cursor;
    rows.push({
      key: `r${i}`,
      spec: entryRow(e, state, inner, showPath, compare ? (compare.mark(e) ?? null) : undefined),
      // The unfocused pane keeps a quieter cursor so the focused one is unmistakable.
      inverse: selected && focused,
    });
    // A cursor glyph as well as the inverse video: readable without colour or
    // attributes (and in test frames).
    if (selected) {
      const spec = rows[rows.length - 1]!.spec as Seg[];
      spec[0] = focused ? { text: '▌', color: 'focus', bold: true } : { text: '›', color: 'muted' };
    }
  });
  for (let i = visible.length; i < listRows; i++) rows.push({ key: `e${i}`, spec: '' });
  if (state.view.length === 0 && !state.loading && !state.error) {
    rows[1] = {
      key: 'empty',
      spec: [
        {
          text: state.keep ? '  no differences here' : hasFilters(state.filters) ? '  nothing matches the filters' : '  (empty folder)',
          dim: true,
        },
      ],
    };
  }
  rows.push({ key: 'sum', spec: prompt ?? summaryRow(state, inner, offline) });
  // The filters always show, shortened if need be, leaving the title room for the side and a little of the folder.
  const chips =
    [compare?.counts, ...filterChips(state.filters, Math.max(8, width - 2 - 4 - 16 - (compare?.counts?.length ?? 0)))].filter(Boolean).join(' ') || undefined;
  return (
    <Frame width={width} height={height} title={paneTitle(state, label, titleRoom(width, chips), where)} titleRight={chips} focused={focused} rows={rows} />
  );
}
