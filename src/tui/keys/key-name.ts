// One canonical name per keypress ('j', 'G', 'down', 'C-c', 'S-tab'), so the binding
// table can be plain data and tests can speak in the same names.

import type { Key } from 'ink';

/**
 * Keys Ink reports without telling them apart: every function key arrives as
 * an empty input, and the Delete key as the same `delete` flag as Backspace
 * (DEL, 0x7f). The bytes the terminal sent name them (xterm, VT220 and rxvt
 * forms).
 */
const BY_SEQUENCE: Record<string, string> = {
  '\u001BOP': 'F1',
  '\u001BOQ': 'F2',
  '\u001BOR': 'F3',
  '\u001BOS': 'F4',
  '\u001B[11~': 'F1',
  '\u001B[12~': 'F2',
  '\u001B[13~': 'F3',
  '\u001B[14~': 'F4',
  '\u001B[[A': 'F1',
  '\u001B[[B': 'F2',
  '\u001B[[C': 'F3',
  '\u001B[[D': 'F4',
  '\u001B[15~': 'F5',
  '\u001B[[E': 'F5',
  '\u001B[17~': 'F6',
  '\u001B[18~': 'F7',
  '\u001B[19~': 'F8',
  '\u001B[20~': 'F9',
  '\u001B[21~': 'F10',
  '\u001B[23~': 'F11',
  '\u001B[24~': 'F12',
  '\u001B[3~': 'delete',
};

/** `raw`: the bytes of this keypress as the terminal sent them, when known. */
export function keyName(input: string, key: Key, raw?: string): string {
  const named = raw === undefined ? undefined : BY_SEQUENCE[raw];
  if (named !== undefined) return named;
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return || input === '\n' || input === '\r') return 'enter';
  if (key.tab) return key.shift ? 'S-tab' : 'tab';
  // Most terminals send DEL (0x7f) for Backspace and Ink reports it as `delete`;
  // a real Delete key is rare enough in this app to share the meaning.
  if (key.backspace || key.delete) return 'backspace';
  if (key.escape) return 'escape';
  if (input === ' ') return 'space';
  if (key.ctrl && input.length === 1) return `C-${input.toLowerCase()}`;
  return input;
}

const DISPLAY: Record<string, string> = {
  up: '↑',
  down: '↓',
  left: '←',
  right: '→',
  pageup: 'PgUp',
  pagedown: 'PgDn',
  home: 'Home',
  end: 'End',
  enter: 'Enter',
  tab: 'Tab',
  'S-tab': 'S-Tab',
  backspace: 'Bksp',
  escape: 'Esc',
  space: 'Space',
  delete: 'Del',
  'wheel-up': 'wheel↑',
  'wheel-down': 'wheel↓',
};

/** How a key is written in the footer and the help overlay. */
export function displayKey(name: string): string {
  if (DISPLAY[name]) return DISPLAY[name];
  if (name.startsWith('C-')) return `Ctrl-${name.slice(2).toUpperCase()}`;
  return name;
}
