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
}

/** Width of `text` in terminal cells: string-width's count, as in the app. */
export function cellWidth(text: string): number {
  return stringWidth(text);
}

export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const fill = ' '.repeat(Math.max(0, width - cellWidth(text)));
  return align === 'right' ? fill + text : text + fill;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** `text` in at most `width` cells, cut between graphemes with '…' at the end or the start. */
export function cut(text: string, width: number, from: 'end' | 'start' = 'end'): string {
  if (cellWidth(text) <= width) return text;
  if (width <= 1) return '…'.slice(0, width);
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

/** The narrowest a cut column becomes: its header, and never under this. */
const MIN_CUT_WIDTH = 12;

/**
 * Render rows as lines: a header, then one line per row; no trailing spaces.
 * Given the terminal's `width`, columns marked `cut` give way (widest first)
 * so lines fit; without it (output to a pipe or a file) nothing is cut.
 */
export function renderTable<Row>(columns: Column<Row>[], rows: readonly Row[], width?: number): string[] {
  const cells = rows.map((row) => columns.map((c) => c.value(row)));
  const widths = columns.map((c, i) => Math.max(cellWidth(c.header), ...cells.map((r) => cellWidth(r[i] ?? ''))));
  if (width !== undefined) {
    let over = widths.reduce((a, b) => a + b, 0) + 2 * (columns.length - 1) - width;
    const order = columns
      .map((_, i) => i)
      .filter((i) => columns[i]!.cut)
      .sort((x, y) => widths[y]! - widths[x]!);
    for (const i of order) {
      if (over <= 0) break;
      const floor = Math.max(cellWidth(columns[i]!.header), MIN_CUT_WIDTH);
      const give = Math.max(0, Math.min(over, widths[i]! - floor));
      widths[i]! -= give;
      over -= give;
    }
  }
  const line = (values: string[]) =>
    values
      .map((v, i) => pad(columns[i]?.cut ? cut(v, widths[i] ?? 0, columns[i]!.cut) : v, widths[i] ?? 0, columns[i]?.align))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)];
}

/**
 * Make control and format characters in names visible instead of letting them
 * move the cursor or disguise the name (see src/safe-text.ts).
 */
export const printable = escapeControls;
