// One screen row built from styled segments and cut or padded to an exact width.
// Every row of the app goes through here, which is what keeps frames from wrapping.

import { Text } from 'ink';
import { displayWidth, sanitize, truncate } from '../text.js';
import { useTheme } from '../theme.js';

export interface Seg {
  text: string;
  /** A theme colour name (ignored under NO_COLOR). */
  color?: 'accent' | 'focus' | 'muted' | 'ok' | 'warn' | 'error' | 'dir' | 'marked' | 'tcp' | 'udp';
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
}

export type LineSpec = string | Seg[];

/** Segments cut so their total width is exactly `width`. */
export function fitSegments(spec: LineSpec, width: number): Seg[] {
  const segs = typeof spec === 'string' ? [{ text: spec }] : spec;
  const out: Seg[] = [];
  let used = 0;
  for (const s of segs) {
    const room = width - used;
    if (room <= 0) break;
    const clean = sanitize(s.text);
    const t = displayWidth(clean) > room ? truncate(clean, room) : clean;
    out.push({ ...s, text: t });
    used += displayWidth(t);
  }
  if (used < width) out.push({ text: ' '.repeat(width - used) });
  return out;
}

export function Line({ spec, width, inverse }: { spec: LineSpec; width: number; inverse?: boolean }) {
  return (
    <Text wrap="truncate">
      <LineSegs spec={spec} width={width} inverse={inverse} />
    </Text>
  );
}

/** The styled text of a line, to nest inside a Text (Frame puts its borders beside it). */
export function LineSegs({ spec, width, inverse }: { spec: LineSpec; width: number; inverse?: boolean }) {
  const theme = useTheme();
  const segs = fitSegments(spec, width);
  return (
    <Text inverse={inverse}>
      {segs.map((s, i) => (
        <Text key={i} color={s.color && theme.color ? theme[s.color] : undefined} bold={s.bold} dimColor={s.dim} inverse={s.inverse}>
          {s.text}
        </Text>
      ))}
    </Text>
  );
}

/** Whether two specs draw the same (compared by content: specs are rebuilt every render). */
export function sameSpec(a: LineSpec, b: LineSpec): boolean {
  if (a === b) return true;
  if (typeof a === 'string' || typeof b === 'string' || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.text !== y.text || x.color !== y.color || x.bold !== y.bold || x.dim !== y.dim || x.inverse !== y.inverse) return false;
  }
  return true;
}

/** Plain text of a line spec (for tests and width checks). */
export function specText(spec: LineSpec): string {
  return typeof spec === 'string' ? spec : spec.map((s) => s.text).join('');
}
