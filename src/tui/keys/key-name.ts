// One canonical name per keypress ('j', 'G', 'down', 'C-c', 'S-tab'), so the binding
// table can be plain data and tests can speak in the same names.

import type { Key } from 'ink';

export function keyName(input: string, key: Key): string {
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

// Function keys as xterm, VT220 and the Linux console send them. Ink names them
// but hands its input handlers neither the name nor the sequence, so the
// provider (use-keypress) reads the raw sequence and asks here.
const FUNCTION_KEYS: Record<string, string> = {
  '\u001bOP': 'F1',
  '\u001bOQ': 'F2',
  '\u001bOR': 'F3',
  '\u001bOS': 'F4',
  '\u001b[11~': 'F1',
  '\u001b[12~': 'F2',
  '\u001b[13~': 'F3',
  '\u001b[14~': 'F4',
  '\u001b[15~': 'F5',
  '\u001b[17~': 'F6',
  '\u001b[18~': 'F7',
  '\u001b[19~': 'F8',
  '\u001b[20~': 'F9',
  '\u001b[21~': 'F10',
  '\u001b[23~': 'F11',
  '\u001b[24~': 'F12',
  '\u001b[[A': 'F1',
  '\u001b[[B': 'F2',
  '\u001b[[C': 'F3',
  '\u001b[[D': 'F4',
  '\u001b[[E': 'F5',
};

/** 'F3' for the sequence a terminal sends for F3, and so on; undefined for anything else. */
export function functionKeyName(sequence: string): string | undefined {
  return FUNCTION_KEYS[sequence];
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
};

/** How a key is written in the footer and the help overlay. */
export function displayKey(name: string): string {
  if (DISPLAY[name]) return DISPLAY[name];
  if (name.startsWith('C-')) return `Ctrl-${name.slice(2).toUpperCase()}`;
  return name;
}
