// Turning a file's bytes into screen text for the viewer: text rows (tabs
// expanded, control characters made visible, scrolled sideways) and hex rows.
// Pure, so what a row looks like is tested without a terminal.

import { displayWidth, fit } from '../text.js';

export const HEX_ROW_BYTES = 16;
const TAB = 8;
// C0 and C1 controls and DEL would move the cursor: each shows as one '·'.
// Bidirectional overrides are left to fit()/sanitize, which replaces them too.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** A row's bytes as text: UTF-8, a trailing CR dropped (CRLF files), tabs expanded, controls as '·'. */
export function rowText(bytes: Uint8Array): string {
  let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8');
  if (text.endsWith('\r')) text = text.slice(0, -1);
  text = text.replace(CONTROL, '·');
  if (!text.includes('\t')) return text;
  let out = '';
  for (const ch of text) {
    if (ch === '\t') out += ' '.repeat(TAB - (displayWidth(out) % TAB));
    else out += ch;
  }
  return out;
}

/** `width` columns of `text` starting `left` columns in (code points; wide characters count two). */
export function columns(text: string, left: number, width: number): string {
  if (left <= 0) return fit(text, width);
  let skipped = 0;
  let i = 0;
  const chars = [...text];
  while (i < chars.length && skipped < left) skipped += displayWidth(chars[i++]!);
  return fit(chars.slice(i).join(''), width);
}

/** '00000010  41 42 43 …  |ABC…|': offset, 16 bytes in hex, the printable ones as text. */
export function hexRow(offset: number, bytes: Uint8Array, offsetDigits = 8): string {
  const hex: string[] = [];
  let ascii = '';
  for (let i = 0; i < HEX_ROW_BYTES; i++) {
    const b = bytes[i];
    hex.push(b === undefined ? '  ' : b.toString(16).padStart(2, '0'));
    if (b !== undefined) ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
    if (i === 7) hex.push('');
  }
  return `${offset.toString(16).padStart(offsetDigits, '0')}  ${hex.join(' ')}  |${ascii}|`;
}

/** Hex digits the offsets of a file of `size` bytes need (at least 8). */
export function offsetDigits(size: number): number {
  return Math.max(8, Math.max(0, size - 1).toString(16).length);
}
