// Fixed-width text helpers. Rows are built as exact-width strings so a frame can
// never wrap: Ink wraps what overflows, and a wrapped row would push the footer
// off a 24-row terminal.

import { UNSAFE_CHARACTER } from '../safe-text.js';

const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;
// Zero-width: combining marks, joiners, variation selectors.
// biome-ignore lint/suspicious/noMisleadingCharacterClass: a class of lone combining marks and joiners is the point: each counts zero columns.
const ZERO = /[\u0300-\u036f\u200b-\u200f\ufe00-\ufe0f]/u;
// Control characters would move the cursor, and bidirectional overrides make a
// name read as something it is not; a file name from a server may contain either
// (the one definition is src/safe-text.ts). Each becomes one '?' so widths hold.
const CONTROL = new RegExp(UNSAFE_CHARACTER.source, 'gu');

function charWidth(ch: string): number {
  if (ZERO.test(ch)) return 0;
  return WIDE.test(ch) ? 2 : 1;
}

/** Terminal columns a string occupies (no escape sequences expected). */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += charWidth(ch);
  return w;
}

/** Replace control characters so a hostile file name cannot draw on the screen. */
export function sanitize(text: string): string {
  return text.replace(CONTROL, '?');
}

/** Cut to at most `width` columns, marking the cut with '…'. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  let out = '';
  let w = 0;
  for (const ch of text) {
    const cw = charWidth(ch);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return out + '…';
}

/** Cut to at most `width` columns from the start, keeping the end: '…/notes/2024'. */
export function truncateStart(text: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  const chars = [...text];
  let out = '';
  let w = 0;
  for (let i = chars.length - 1; i >= 0; i--) {
    const cw = charWidth(chars[i]!);
    if (w + cw > width - 1) break;
    out = chars[i]! + out;
    w += cw;
  }
  return '…' + out;
}

/** Exactly `width` columns: truncated, then padded on the right (or left). */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const cut = truncate(sanitize(text), width);
  const pad = ' '.repeat(Math.max(0, width - displayWidth(cut)));
  return align === 'left' ? cut + pad : pad + cut;
}

/** Left and right parts on one line of `width`, the left one giving way first. */
export function spread(left: string, right: string, width: number): string {
  const r = truncate(right, width);
  const room = width - displayWidth(r);
  if (room <= 1) return fit(r, width, 'right');
  return fit(left, room - 1) + ' ' + r;
}
