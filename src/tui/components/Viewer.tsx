// Enter or F3 on a file: its contents over the panes, read in windows through
// the side's `read` (a remote file is never downloaded to be viewed). Text with
// line numbers and sideways scrolling, or hex for binary files (x switches);
// `/` searches, n and N go to the next and previous match; G or End shows the
// end of a 10 GB log at once.

import { useEffect, useMemo, useRef, useState } from 'react';
import type { Side } from '../../client/types.js';
import { formatBytes } from '../../format.js';
import { errorText } from '../errors.js';
import { Priority, useKeypress } from '../hooks/use-keypress.js';
import { useLineInput } from '../hooks/use-line-input.js';
import { Command, commandFor } from '../keys/bindings.js';
import { FileWindow, type TextRow } from '../viewer/file-window.js';
import { columns, HEX_ROW_BYTES, hexRow, offsetDigits, rowText } from '../viewer/render.js';
import { Frame, titleRoom } from './Frame.js';
import { displayWidth, truncateStart } from '../text.js';
import type { LineSpec } from './Line.js';
import { promptSegments } from './PromptLine.js';

export interface ViewerProps {
  side: Pick<Side, 'read'>;
  path: string;
  /** The size the listing showed (the first read says what it is now). */
  size: number;
  /** Where the file is, for the title ('remote', 'local'). */
  label: string;
  /** The path as the title shows it (a local file's is absolute); `path` unless given. */
  shownPath?: string;
  width: number;
  height: number;
  onClose(): void;
}

/** Line numbers are counted from the start for files up to this size, wherever the view is. */
const COUNT_LINES_UP_TO = 1024 * 1024;
const NO_HISTORY: readonly string[] = [];
/** Columns one sideways step moves. */
const SIDE_STEP = 8;

interface View {
  mode: 'text' | 'hex';
  /** First byte shown: a row start (text) or a multiple of 16 (hex). */
  top: number;
  /** Line number (0-based) of the top row, when known: not after a jump into a large file. */
  topLine: number | null;
  left: number;
  rows: TextRow[];
  hex: Buffer;
  match: { offset: number; length: number } | null;
  query: string;
  status: string | null;
  error: string | null;
  ready: boolean;
}

const INITIAL: View = {
  mode: 'text',
  top: 0,
  topLine: 0,
  left: 0,
  rows: [],
  hex: Buffer.alloc(0),
  match: null,
  query: '',
  status: null,
  error: null,
  ready: false,
};

export function Viewer({ side, path, size, label, shownPath = path, width, height, onClose }: ViewerProps) {
  const win = useMemo(
    () => new FileWindow((offset, count, signal) => side.read(path, { offset, count, ...(signal ? { signal } : {}) }), size),
    [side, path, size],
  );
  const [view, setView] = useState<View>(INITIAL);
  // The state as of now, changed only through `patch`: operations queued behind
  // each other read what the one before left, not what was last drawn.
  const latest = useRef(view);
  const patch = (change: Partial<View>) => {
    latest.current = { ...latest.current, ...change };
    setView(latest.current);
  };
  const [searching, setSearching] = useState(false);
  const search = useRef<AbortController | null>(null);
  // Operations run one after another, each from the state the previous one left.
  const chain = useRef<Promise<void>>(Promise.resolve());
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
      search.current?.abort();
    },
    [],
  );

  const bodyRows = Math.max(1, height - 3);
  const inner = Math.max(1, width - 2);

  /** Run `op` after the ones before it; it returns the fields to change, and the rows are read again. */
  const run = (op: (v: View) => Promise<Partial<View> | null>) => {
    chain.current = chain.current.then(async () => {
      try {
        const change = await op(latest.current);
        if (!alive.current || change === null) return;
        const next = { ...latest.current, ...change };
        if (next.mode === 'text') next.rows = await win.textRows(next.top, bodyRows);
        else next.hex = await win.bytes(next.top, bodyRows * HEX_ROW_BYTES);
        if (alive.current) patch({ ...next, ready: true });
      } catch (err) {
        if (alive.current) patch({ error: errorText(err), status: null, ready: true });
      }
    });
  };

  useEffect(() => {
    run(async () => ({ mode: (await win.isBinary()) ? 'hex' : 'text' }));
  }, [win]);

  const hexEndTop = () => Math.max(0, Math.ceil(win.size / HEX_ROW_BYTES) - bodyRows) * HEX_ROW_BYTES;
  const lineOf = async (top: number) => (top === 0 ? 0 : win.lineNumber(top, COUNT_LINES_UP_TO));

  const scroll = (delta: number) =>
    run(async (v) => {
      if (v.mode === 'hex') return { top: Math.max(0, Math.min(hexEndTop(), v.top + delta * HEX_ROW_BYTES)) };
      const r = delta > 0 ? await win.down(v.top, delta, bodyRows) : await win.up(v.top, -delta);
      const topLine = v.topLine === null ? null : v.topLine + (delta > 0 ? r.moved : -r.moved);
      return { top: r.top, topLine: r.top === 0 ? 0 : topLine, status: null };
    });

  const toEnd = () =>
    run(async (v) => {
      if (v.mode === 'hex') return { top: hexEndTop() };
      const top = await win.endTop(bodyRows);
      return { top, topLine: await lineOf(top), status: null };
    });

  const toggleHex = () =>
    run(async (v) => {
      if (v.mode === 'text') return { mode: 'hex', top: Math.floor(v.top / HEX_ROW_BYTES) * HEX_ROW_BYTES };
      const top = v.top === 0 ? 0 : await win.rowStart(v.top);
      return { mode: 'text', top, topLine: await lineOf(top) };
    });

  const find = (query: string, forward: boolean) => {
    if (query === '') return;
    search.current?.abort();
    const ac = new AbortController();
    search.current = ac;
    patch({ query, status: `searching for "${query}"…` });
    run(async (v) => {
      const from = v.match ? (forward ? v.match.offset + 1 : v.match.offset) : v.top;
      let at: number | null;
      try {
        at = await win.find(query, from, forward, ac.signal);
      } catch (err) {
        if (ac.signal.aborted) return { status: 'search stopped' };
        throw err;
      }
      if (at === null) return { status: `"${query}" not found ${forward ? 'below' : 'above'}` };
      const match = { offset: at, length: Buffer.byteLength(query) };
      if (v.mode === 'hex') return { match, status: null, top: Math.min(hexEndTop(), Math.floor(at / HEX_ROW_BYTES) * HEX_ROW_BYTES) };
      const top = await win.rowStart(at);
      return { match, status: null, top, topLine: await lineOf(top) };
    });
  };

  const line = useLineInput({
    active: searching,
    initial: '',
    // With a history the field starts empty each time, and ↑ brings back earlier searches.
    history: NO_HISTORY,
    onSubmit: (text) => {
      setSearching(false);
      find(text, true);
    },
    onCancel: () => setSearching(false),
  });

  useKeypress((key) => {
    const c = commandFor('viewer', key.name);
    switch (c) {
      case Command.Close:
        // Esc first stops a search that is still reading.
        if (key.name === 'escape' && latest.current.status?.startsWith('searching')) search.current?.abort();
        else onClose();
        break;
      case Command.Up:
        scroll(-1);
        break;
      case Command.Down:
        scroll(1);
        break;
      case Command.PageUp:
        scroll(-bodyRows);
        break;
      case Command.PageDown:
        scroll(bodyRows);
        break;
      case Command.Top:
        run(async () => ({ top: 0, topLine: 0, status: null }));
        break;
      case Command.Bottom:
        toEnd();
        break;
      case Command.ScrollSideways: {
        const by = key.name === 'left' || key.name === 'h' ? -SIDE_STEP : SIDE_STEP;
        patch({ left: Math.max(0, latest.current.left + by) });
        break;
      }
      case Command.ViewerHex:
        toggleHex();
        break;
      case Command.ViewerSearch:
        if (key.name === 'n' || key.name === 'N') find(latest.current.query, key.name === 'n');
        else setSearching(true);
        break;
      default:
        if (key.name === 'space') scroll(bodyRows);
        // Every other key stops here: the panes below must not act while the file is shown.
        return key.name !== 'C-c';
    }
    return true;
  }, Priority.View);

  const rows: Array<{ spec: LineSpec; key?: string | number; inverse?: boolean }> = [];
  const matchIn = (from: number, length: number) => view.match !== null && view.match.offset >= from && view.match.offset < from + Math.max(1, length);
  if (view.mode === 'text') {
    const biggest = view.topLine === null ? 0 : view.topLine + view.rows.length;
    const digits = Math.max(4, String(biggest).length);
    let lineNo = view.topLine;
    view.rows.forEach((r, i) => {
      // A row that continues a line cut at MAX_LINE_BYTES has no number of its own.
      const continues = i > 0 && view.rows[i - 1]!.offset + view.rows[i - 1]!.bytes.length === r.offset;
      if (i > 0 && !continues && lineNo !== null) lineNo++;
      const gutter = continues ? ' '.repeat(digits) : lineNo === null ? '·'.padStart(digits) : String(lineNo + 1).padStart(digits);
      rows.push({
        key: r.offset,
        spec: [
          { text: `${gutter} `, dim: true },
          { text: columns(rowText(r.bytes), view.left, Math.max(1, inner - digits - 1)), inverse: matchIn(r.offset, r.bytes.length + 1) },
        ],
      });
    });
  } else {
    const digits = offsetDigits(win.size);
    for (let i = 0; i * HEX_ROW_BYTES < view.hex.length; i++) {
      const at = view.top + i * HEX_ROW_BYTES;
      rows.push({
        key: at,
        spec: [{ text: hexRow(at, view.hex.subarray(i * HEX_ROW_BYTES, (i + 1) * HEX_ROW_BYTES), digits), inverse: matchIn(at, HEX_ROW_BYTES) }],
      });
    }
  }
  if (view.ready && rows.length === 0 && !view.error) rows.push({ key: 'empty', spec: [{ text: '  (empty file)', dim: true }] });
  while (rows.length < bodyRows) rows.push({ key: `pad${rows.length}`, spec: '' });

  const shownEnd =
    view.mode === 'text' ? (view.rows.at(-1) ? view.rows.at(-1)!.offset + view.rows.at(-1)!.bytes.length : view.top) : view.top + view.hex.length;
  const percent = win.size === 0 ? 100 : Math.min(100, Math.round((Math.min(win.size, shownEnd + 1) / win.size) * 100));
  const status: LineSpec = searching
    ? promptSegments(' search: ', line, inner)
    : view.error
      ? [{ text: ` ✗ ${view.error}`, color: 'error' }]
      : view.status
        ? [{ text: ` ${view.status}`, dim: true }]
        : [
            {
              text: ` ${view.mode === 'hex' ? 'hex' : 'text'} · ${formatBytes(win.size)} · ${percent}%${view.left > 0 ? ` · column ${view.left + 1}` : ''}`,
              dim: true,
            },
          ];
  rows.push({ key: 'status', spec: status });
  const right = `${view.mode === 'text' && view.topLine !== null ? `line ${view.topLine + 1} · ` : ''}${percent}% · / search · x hex · Esc close`;
  // A long path gives way at its start: the file's own name stays in view.
  const head = `view  ${label}  `;
  const title = head + truncateStart(shownPath, titleRoom(width, right) - displayWidth(head));
  return <Frame width={width} height={height} title={title} titleRight={right} focused rows={rows} />;
}
