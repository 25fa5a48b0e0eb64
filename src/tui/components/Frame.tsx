// A bordered box whose title sits in the top border, drawn by hand so the title,
// the chips and the border share one exactly-sized row. The focused frame uses the
// heavy border, which stays visible without colour.

import { Box, Text } from 'ink';
import { displayWidth, truncate } from '../text.js';
import { useTheme } from '../theme.js';
import { Line, type LineSpec } from './Line.js';

const LIGHT = { tl: '┌', tr: '┐', bl: '└', br: '┘', h: '─', v: '│' };
const HEAVY = { tl: '┏', tr: '┓', bl: '┗', br: '┛', h: '━', v: '┃' };

export interface FrameProps {
  width: number;
  height: number;
  title: string;
  /** Right side of the top border (chips, counters). */
  titleRight?: string;
  focused?: boolean;
  rows: Array<{ spec: LineSpec; inverse?: boolean; key?: string | number }>;
}

/** Columns the title text may take in a top border of `width` beside `right`. */
export function titleRoom(width: number, right: string | undefined): number {
  const rw = right ? displayWidth(right) + 2 : 0;
  return Math.max(0, width - 2 - rw - 1 - 2);
}

export function borderTitle(width: number, title: string, right: string | undefined, heavy: boolean): string {
  const b = heavy ? HEAVY : LIGHT;
  const inner = width - 2;
  const r = right ? ` ${right} ` : '';
  const rw = displayWidth(r);
  const t = truncate(` ${title} `, Math.max(0, inner - rw - 1));
  const fill = Math.max(0, inner - displayWidth(t) - rw);
  return b.tl + t + b.h.repeat(fill) + (rw <= inner - displayWidth(t) ? r : '') + b.tr;
}

export function Frame({ width, height, title, titleRight, focused = false, rows }: FrameProps) {
  const theme = useTheme();
  const b = focused ? HEAVY : LIGHT;
  const inner = Math.max(0, width - 2);
  const bodyRows = Math.max(0, height - 2);
  const borderColor = theme.color ? (focused ? theme.focus : theme.muted) : undefined;
  const shown = rows.slice(0, bodyRows);
  const padding = bodyRows - shown.length;
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <Text color={borderColor} bold={focused} wrap="truncate">
        {borderTitle(width, title, titleRight, focused)}
      </Text>
      {shown.map((r, i) => (
        <Box key={r.key ?? i} flexDirection="row" width={width}>
          <Text color={borderColor} bold={focused}>
            {b.v}
          </Text>
          <Line spec={r.spec} width={inner} inverse={r.inverse} />
          <Text color={borderColor} bold={focused}>
            {b.v}
          </Text>
        </Box>
      ))}
      {Array.from({ length: padding }, (_, i) => (
        <Text key={`pad${i}`} color={borderColor} bold={focused} wrap="truncate">
          {b.v + ' '.repeat(inner) + b.v}
        </Text>
      ))}
      <Text color={borderColor} bold={focused} wrap="truncate">
        {b.bl + b.h.repeat(inner) + b.br}
      </Text>
    </Box>
  );
}
