// Aligned plain-text tables for human output. Plain spaces, no box drawing,
// so the output stays easy to grep, cut and paste.

import stringWidth from 'string-width';
import { escapeControls } from '../safe-text.js';

export interface Column<Row> {
  header: string;
  value: (row: Row) => string;
  align?: 'left' | 'right';
  /**
   * This column gives way when the table is wider than the terminal: its cells
   * are cut with '…' at the end, or at the start for paths (keeping the name).
   * Columns without it keep their width.
   */
  cut?: 'end' | 'start';
  /**
   * This column is left out, whole, when cutting the others is not enough; the
   * lowest number goes first. A column without it is never left out.
   */
  drop?: number;
}

/** Width of `text` in terminal cells: string-width's count, as in the app. */
export function cellWidth(text: string): number {
  return stringWidth(text);
}

export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const fill = ' '.repeat(Math.max(0, width - cellWidth(text)));
  return align === 'right' ? fill + text : text + fill;
}

/** Made on first use: the first Intl.Segmenter of a process loads ICU's break rules, ~10 ms. */
let graphemes: Intl.Segmenter | undefined;

/** `text` in at most `width` cells, cut between graphemes with '…' at the end or the start. */
export function cut(text: string, width: number, from: 'end' | 'start' = 'end'): string {
  if (cellWidth(text) <= width) return text;
  if (width <= 1) return '…'.slice(0, width);
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const parts = Array.from(graphemes.segment(text), (g) => g.segment);
  if (from === 'start') parts.reverse();
  let kept = '';
  let used = 0;
  for (const g of parts) {
    const w = cellWidth(g);
    if (used + w > width - 1) break;
    kept = from === 'start' ? g + kept : kept + g;
    used += w;
  }
  return from === 'start' ? `…${kept}` : `${kept}…`;
}

/** `text` cut at its end to `width` cells (no cut without a width: a pipe gets every character). */
export function fitLine(text: string, width: number | undefined): string {
  return width === undefined ? text : cut(text, Math.max(1, width));
}

/** The narrowest a cut column becomes: its header, and never under this. */
const MIN_CUT_WIDTH = 12;

/** The columns shown and their widths: what every line of one table shares. */
export interface TableLayout {
  shown: number[];
  widths: number[];
}

/** Each column's natural width: the widest of its header and its cells so far (grow it with `measure`). */
export function headerWidths<Row>(columns: Column<Row>[]): number[] {
  return columns.map((c) => cellWidth(c.header));
}

/** Widen `natural` to fit one row's cells; returns the cells. */
export function measure<Row>(columns: Column<Row>[], natural: number[], row: Row): string[] {
  const cells = columns.map((c) => c.value(row));
  cells.forEach((v, i) => {
    const w = cellWidth(v);
    if (w > natural[i]!) natural[i] = w;
  });
  return cells;
}

/**
 * Which columns to show, how wide, for a terminal of `width`: columns marked
 * `cut` give way (widest first, down to their floor), then columns marked
 * `drop` are left out whole (a date is shown whole or not at all), then cut
 * columns go below their floor. Without a width everything is shown whole.
 */
export function tableLayout<Row>(allColumns: Column<Row>[], natural: number[], width?: number): TableLayout {
  let shown = allColumns.map((_, i) => i);
  let widths = natural;
  if (width !== undefined) {
    const floor = (i: number) => Math.max(cellWidth(allColumns[i]!.header), MIN_CUT_WIDTH);
    const drops = shown.filter((i) => allColumns[i]!.drop !== undefined).sort((x, y) => allColumns[x]!.drop! - allColumns[y]!.drop!);
    for (;;) {
      widths = squeeze(allColumns, shown, natural, width, floor);
      if (total(shown, widths) <= width || drops.length === 0) break;
      const gone = drops.shift()!;
      shown = shown.filter((i) => i !== gone);
    }
    // Still too wide: cut columns go down to a few cells.
    if (total(shown, widths) > width) widths = squeeze(allColumns, shown, natural, width, () => 4);
  }
  return { shown, widths };
}

/** One line of a table laid out by tableLayout (the header: the columns' headers as `values`); no trailing spaces. */
export function tableLine<Row>(allColumns: Column<Row>[], layout: TableLayout, values: string[], width?: number): string {
  const { shown, widths } = layout;
  const text = shown
    .map((i) => {
      const c = allColumns[i]!;
      const v = values[i] ?? '';
      return pad(c.cut && width !== undefined ? cut(v, widths[i] ?? 0, c.cut) : v, widths[i] ?? 0, c.align);
    })
    .join('  ')
    .trimEnd();
  return fitLine(text, width);
}

/**
 * Render rows as lines: a header, then one line per row, fitted to the
 * terminal's `width` as tableLayout says, and only then cut at its end.
 * Without a width (output to a pipe or a file) nothing is cut.
 */
export function renderTable<Row>(allColumns: Column<Row>[], rows: readonly Row[], width?: number): string[] {
  const natural = headerWidths(allColumns);
  const allCells = rows.map((row) => measure(allColumns, natural, row));
  const layout = tableLayout(allColumns, natural, width);
  return [
    tableLine(
      allColumns,
      layout,
      allColumns.map((c) => c.header),
      width,
    ),
    ...allCells.map((cells) => tableLine(allColumns, layout, cells, width)),
  ];
}

/** A line's width with the `shown` columns at `widths`, gaps included. */
function total(shown: number[], widths: number[]): number {
  return shown.reduce((sum, i) => sum + (widths[i] ?? 0), 0) + 2 * Math.max(0, shown.length - 1);
}

/** Widths with the shown cut columns narrowed (widest first, not below `floor`) toward `width`. */
function squeeze<Row>(columns: Column<Row>[], shown: number[], natural: number[], width: number, floor: (i: number) => number): number[] {
  const widths = [...natural];
  let over = total(shown, widths) - width;
  const order = shown.filter((i) => columns[i]!.cut).sort((x, y) => widths[y]! - widths[x]!);
  for (const i of order) {
    if (over <= 0) break;
    const give = Math.max(0, Math.min(over, widths[i]! - floor(i)));
    widths[i]! -= give;
    over -= give;
  }
  return widths;
}

/**
 * Make control and format characters in names visible instead of letting them
 * move the cursor or disguise the name (see src/safe-text.ts).
 */
export const printable = escapeControls;
