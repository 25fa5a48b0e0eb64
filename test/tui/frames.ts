// Reading test frames: the left and right halves of a screen line, the row that
// holds a name, which pane has the heavy (focused) border.

export function leftHalf(line: string, columns: number): string {
  return [...line].slice(0, Math.floor(columns / 2)).join('');
}

export function rightHalf(line: string, columns: number): string {
  return [...line].slice(Math.floor(columns / 2)).join('');
}

/** Right-pane text of every screen line (the remote pane and the full-width areas). */
export function remoteText(frame: string, columns: number): string {
  return frame
    .split('\n')
    .map((l) => rightHalf(l, columns))
    .join('\n');
}

export function localText(frame: string, columns: number): string {
  return frame
    .split('\n')
    .map((l) => leftHalf(l, columns))
    .join('\n');
}

/** The line of the pane holding `name` as a file row. */
export function rowOf(text: string, name: string): string | undefined {
  return text.split('\n').find((l) => new RegExp(`[│┃][ ▌›*]${escapeRegExp(name)}[/ ]`).test(l));
}

/** The selected row (cursor glyph) of a pane's text. */
export function cursorRow(text: string): string | undefined {
  return text.split('\n').find((l) => /[│┃][▌›]/.test(l));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function focusedSide(frame: string, columns: number): 'local' | 'remote' | null {
  const top = frame.split('\n')[1] ?? '';
  if (leftHalf(top, columns).startsWith('┏')) return 'local';
  if (rightHalf(top, columns).startsWith('┏')) return 'remote';
  return null;
}
