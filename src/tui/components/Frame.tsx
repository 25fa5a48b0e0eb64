// A bordered box whose title sits in the top border, drawn by hand so the title,
// the chips and the border share one exactly-sized row. The focused frame uses the
// heavy border, which stays visible without colour.

import { Box, Text } from 'ink';
import { memo } from 'react';
import { displayWidth, truncate } from '../text.js';
import { useTheme } from '../theme.js';
import { Line, type LineSpec, sameSpec } from './Line.js';

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
        <FrameRow key={r.key ?? i} spec={r.spec} inverse={r.inverse} width={inner} border={b.v} borderColor={borderColor} bold={focused} />
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

interface FrameRowProps {
  spec: LineSpec;
  inverse: boolean | undefined;
  width: number;
  border: string;
  borderColor: string | undefined;
  bold: boolean;
}

/**
 * One body row, drawn again only when what it shows changed: a key that moves
 * the cursor redraws two rows of one pane in React, not every row of both
 * (specs are rebuilt each render, so they are compared by content). The
 * borders stay texts of their own: string-width measures an all-ASCII line in
 * one test, and a box-drawing character in it would send the whole line
 * through grapheme segmentation on every frame.
 */
const FrameRow = memo(
  function FrameRow({ spec, inverse, width, border, borderColor, bold }: FrameRowProps) {
    return (
      <Box flexDirection="row" width={width + 2}>
        <Text color={borderColor} bold={bold}>
          {border}
        </Text>
        <Line spec={spec} width={width} inverse={inverse} />
        <Text color={borderColor} bold={bold}>
          {border}
        </Text>
      </Box>
    );
  },
  (a, b) =>
    a.inverse === b.inverse && a.width === b.width && a.border === b.border && a.borderColor === b.borderColor && a.bold === b.bold && sameSpec(a.spec, b.spec),
);
