// Aligned plain-text tables for human output. Plain spaces, no box drawing,
// so the output stays easy to grep, cut and paste.

import { escapeControls } from '../safe-text.js';

export interface Column<Row> {
  header: string;
  value: (row: Row) => string;
  align?: 'left' | 'right';
}

/** Width of `text` in terminal cells (good enough for the text ferry prints). */
export function cellWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x20 || (cp >= 0x300 && cp < 0x370)) continue; // control and combining marks
    width += cp >= 0x1100 && isWide(cp) ? 2 : 1;
  }
  return width;
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const fill = ' '.repeat(Math.max(0, width - cellWidth(text)));
  return align === 'right' ? fill + text : text + fill;
}

/** Render rows as lines: a header, then one line per row; no trailing spaces. */
export function renderTable<Row>(columns: Column<Row>[], rows: readonly Row[]): string[] {
  const cells = rows.map((row) => columns.map((c) => c.value(row)));
  const widths = columns.map((c, i) => Math.max(cellWidth(c.header), ...cells.map((r) => cellWidth(r[i] ?? ''))));
  const line = (values: string[]) =>
    values
      .map((v, i) => pad(v, widths[i] ?? 0, columns[i]?.align))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)];
}

/**
 * Make control and format characters in names visible instead of letting them
 * move the cursor or disguise the name (see src/safe-text.ts).
 */
export const printable = escapeControls;
