// Entering and leaving the full-screen mode. Restoring is idempotent and synchronous
// so it can run from an 'exit' handler, a signal or a crash, whichever comes first.
// Mouse reports are asked for on entry and turned off by the same restore: a
// shell left with them on would print garbage on every click.

import { MOUSE_OFF, MOUSE_ON } from './keys/mouse.js';

export const ENTER_ALT_SCREEN = '\u001B[?1049h';
export const LEAVE_ALT_SCREEN = '\u001B[?1049l';
export const HIDE_CURSOR = '\u001B[?25l';
export const SHOW_CURSOR = '\u001B[?25h';
export const CLEAR_SCREEN = '\u001B[2J\u001B[H';

export interface ScreenSession {
  restore(): void;
  readonly restored: boolean;
}

export function enterScreen(stdout: NodeJS.WriteStream, stdin: NodeJS.ReadStream, options: { mouse?: boolean } = {}): ScreenSession {
  const mouse = options.mouse ?? true;
  stdout.write(ENTER_ALT_SCREEN + HIDE_CURSOR + CLEAR_SCREEN + (mouse ? MOUSE_ON : ''));
  let restored = false;
  return {
    get restored() {
      return restored;
    },
    restore() {
      if (restored) return;
      restored = true;
      try {
        if (stdin.isTTY && typeof stdin.setRawMode === 'function') stdin.setRawMode(false);
      } catch {
        // stdin already closed: nothing left to restore there.
      }
      try {
        stdout.write((mouse ? MOUSE_OFF : '') + SHOW_CURSOR + LEAVE_ALT_SCREEN);
      } catch {
        // stdout gone (terminal closed): nothing to restore.
      }
    },
  };
}
