// Mouse reports (xterm SGR encoding, mode 1006) turned into events, pure. The app
// asks for button presses only (mode 1000): no motion reports, so a terminal
// that sends none behaves exactly as before, and a report never reaches a key
// handler or a text field as typed characters.
//
//   ESC [ < Cb ; Cx ; Cy M     press (M) or release (m); Cx, Cy from 1
//   Cb: low bits 0 left, 1 middle, 2 right; +4 shift, +8 meta, +16 ctrl,
//       +32 motion, +64 wheel (0 up, 1 down)
//
// Ink splits input at escape sequences and drops the ESC, so a report arrives as
// one input event, with or without its ESC. A terminal that knows mode 1000 but
// not 1006 sends the old form, ESC [ M and three raw bytes (which Ink passes on
// as a separate event): those bytes are skipped too.

export const MOUSE_ON = '\u001B[?1000h\u001B[?1006h';
export const MOUSE_OFF = '\u001B[?1006l\u001B[?1000l';

export interface MouseEvent {
  kind: 'press' | 'release' | 'wheel';
  button: 'left' | 'middle' | 'right' | 'none';
  /** 'up' or 'down' for the wheel. */
  wheel?: 'up' | 'down';
  /** Column and row, from 1 (the terminal's top-left cell is 1, 1). */
  x: number;
  y: number;
  shift: boolean;
  meta: boolean;
  ctrl: boolean;
}

const SGR = /^\u001B?\[<(\d{1,4});(\d{1,5});(\d{1,5})([Mm])$/;
/** Anything that starts like an SGR report is one, if a mangled one: never text. */
const SGR_LIKE = /^\u001B?\[<[\d;]*[Mm]?$/;
const LEGACY = /^\u001B?\[M$/;
const BUTTONS = ['left', 'middle', 'right', 'none'] as const;

/** The event an SGR report describes; null when it is not one (or is garbled). */
export function parseSgrMouse(input: string): MouseEvent | null {
  const m = SGR.exec(input);
  if (!m) return null;
  const code = Number(m[1]);
  const x = Number(m[2]);
  const y = Number(m[3]);
  if (x < 1 || y < 1) return null;
  const mods = { shift: (code & 4) !== 0, meta: (code & 8) !== 0, ctrl: (code & 16) !== 0 };
  if (code & 64) {
    const low = code & 3;
    if (low > 1) return null; // horizontal wheels: not used here
    return { kind: 'wheel', button: 'none', wheel: low === 0 ? 'up' : 'down', x, y, ...mods };
  }
  // Motion with a button held (mode 1002) is never asked for; ignore it if it comes.
  if (code & 32) return null;
  return { kind: m[4] === 'M' ? 'press' : 'release', button: BUTTONS[code & 3]!, x, y, ...mods };
}

/**
 * Sorts input events into mouse reports and everything else. Stateful only for
 * the old encoding, whose three coordinate bytes come as the next event.
 */
export class MouseReader {
  private skip = 0;

  /**
   * `mouse`: a report (act on it); `swallow`: part of a report, or one not acted
   * on (drop it); `pass`: not the mouse (handle as keys), possibly with a
   * report's trailing bytes cut off the front.
   */
  read(input: string): { mouse: MouseEvent } | { swallow: true } | { pass: string } {
    if (this.skip > 0) {
      const chars = [...input];
      const taken = Math.min(this.skip, chars.length);
      this.skip -= taken;
      const rest = chars.slice(taken).join('');
      return rest === '' ? { swallow: true } : { pass: rest };
    }
    const event = parseSgrMouse(input);
    if (event) return { mouse: event };
    if (LEGACY.test(input)) {
      this.skip = 3;
      return { swallow: true };
    }
    if (SGR_LIKE.test(input) && input.includes('<')) return { swallow: true };
    return { pass: input };
  }
}
