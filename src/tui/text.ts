// Fixed-width text helpers. Rows are built as exact-width strings so a frame can
// never wrap: Ink wraps what overflows, and a wrapped row would push the footer
// off a 24-row terminal.

import stringWidth from 'string-width';
import { UNSAFE_CHARACTER } from '../safe-text.js';

// Control characters would move the cursor, and bidirectional overrides make a
// name read as something it is not; a file name from a server may contain either
// (the one definition is src/safe-text.ts). Each becomes one '?' so widths hold.
const CONTROL = new RegExp(UNSAFE_CHARACTER.source, 'gu');

// Text is cut between graphemes, never inside one: an emoji made of several code
// points (a family, a flag, a skin tone) or a letter with its accent stays whole.
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Terminal columns a string occupies (no escape sequences expected): string-width's count, the one Ink lays out with. */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

function clusters(text: string): string[] {
  return Array.from(graphemes.segment(text), (s) => s.segment);
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
  for (const g of clusters(text)) {
    const cw = stringWidth(g);
    if (w + cw > width - 1) break;
    out += g;
    w += cw;
  }
  return out + '…';
}

/** Cut to at most `width` columns from the start, keeping the end: '…/notes/2024'. */
export function truncateStart(text: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  const parts = clusters(text);
  let out = '';
  let w = 0;
  for (let i = parts.length - 1; i >= 0; i--) {
    const cw = stringWidth(parts[i]!);
    if (w + cw > width - 1) break;
    out = parts[i]! + out;
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
