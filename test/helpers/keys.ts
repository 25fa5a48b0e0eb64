// Byte sequences a terminal sends, by the names the key table uses.

export const KEYS = {
  up: '\u001B[A',
  down: '\u001B[B',
  right: '\u001B[C',
  left: '\u001B[D',
  pageup: '\u001B[5~',
  pagedown: '\u001B[6~',
  home: '\u001B[H',
  end: '\u001B[F',
  enter: '\r',
  escape: '\u001B',
  tab: '\t',
  'S-tab': '\u001B[Z',
  backspace: '\u007F',
  space: ' ',
  'C-c': '\u0003',
  'C-u': '\u0015',
  'C-b': '\u0002',
  'C-f': '\u0006',
  F3: '\u001BOR',
  F4: '\u001BOS',
  F5: '\u001B[15~',
  F6: '\u001B[17~',
  F7: '\u001B[18~',
  F8: '\u001B[19~',
  delete: '\u001B[3~',
} as const;

/** The bytes for a key name from the binding table ('j', 'G', 'down', 'C-c'). */
export function keyBytes(name: string): string {
  const k = (KEYS as Record<string, string>)[name];
  if (k !== undefined) return k;
  if (name.startsWith('C-') && name.length === 3) return String.fromCharCode(name.charCodeAt(2) - 96);
  return name;
}
