// Text that came from a server, made safe to show on a terminal. A server (or
// anyone who can put a name in its share or a line in its log) chooses these
// strings; printed raw, `ESC[2J` clears the screen, `ESC]0;…BEL` retitles the
// window, and a right-to-left override makes 'evil\u202Etxt.exe' read as
// 'evilexe.txt'. Every such character is shown as a visible escape instead.
//
// Used in two places: the client API escapes free text (error messages, log
// records, WELCOME fields, hash results) where it enters, so no caller can
// forget; names stay exact there (they are paths the client acts on) and are
// escaped where they are displayed (cli/table.ts printable, tui/text.ts).

/**
 * Characters a terminal acts on or that disguise text: C0 and C1 controls and
 * DEL (\p{Cc}), format characters such as bidi overrides and isolates,
 * zero-width spaces, the BOM (\p{Cf}), and the line and paragraph
 * separators (\p{Zl}, \p{Zp}) some terminals break lines at. The zero-width
 * joiner and non-joiner are kept: they build emoji (👨‍👩‍👧) and are part of
 * writing in Persian, Hindi and other scripts, and move or hide nothing.
 */
export const UNSAFE_CHARACTER = /(?![\u200c\u200d])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const UNSAFE_GLOBAL = new RegExp(UNSAFE_CHARACTER.source, 'gu');

/** The character as an escape: \x1b, \u202e, \u{e0001}. */
function escapeOne(ch: string): string {
  const code = ch.codePointAt(0)!;
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\u{${code.toString(16)}}`;
}

/** Printable ASCII only: nothing in it to escape, known without the Unicode-property scan. */
const PLAIN_ASCII = /^[\x20-\x7e]*$/;

/** `text` with every unsafe character written as a visible escape (idempotent). */
export function escapeControls(text: string): string {
  // Nearly every name and extension is plain ASCII: a listing of 10,000 files escaped each one.
  if (PLAIN_ASCII.test(text)) return text;
  return text.replace(UNSAFE_GLOBAL, escapeOne);
}

/**
 * A copy of a JSON-like value with every string in it escaped, object keys
 * included; other values are kept. Bounded by the input (a decoded frame).
 */
export function escapeDeep(value: unknown): unknown {
  if (typeof value === 'string') return escapeControls(value);
  if (Array.isArray(value)) return value.map(escapeDeep);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [escapeControls(k), escapeDeep(v)]));
  }
  return value;
}
