// '?': every binding, grouped, generated from the key table that binds them.

import { Priority, useKeypress } from '../hooks/use-keypress.js';
import { useListCursor } from '../hooks/use-list-cursor.js';
import { Command, commandFor, helpGroups } from '../keys/bindings.js';
import { displayKey } from '../keys/key-name.js';
import { visibleRows } from '../state/list-cursor.js';
import { fit } from '../text.js';
import { Frame } from './Frame.js';
import { fitSegments, type LineSpec } from './Line.js';

export function helpLines(): LineSpec[] {
  const lines: LineSpec[] = [];
  for (const g of helpGroups()) {
    if (lines.length > 0) lines.push('');
    lines.push([{ text: ` ${g.group}`, bold: true, color: 'accent' }]);
    for (const b of g.bindings) {
      lines.push([{ text: '   ' + fit(b.keys.map(displayKey).join(' '), 14), bold: true }, { text: ' ' + b.help }]);
    }
  }
  return lines;
}

/** Two columns when the screen is wide, split at a group boundary near the middle. */
export function helpColumns(lines: LineSpec[], width: number): LineSpec[] {
  if (width < 100) return lines;
  // Split at the blank line before a group (no group is cut in two), choosing the
  // one that makes the taller column shortest.
  let cut = Math.ceil(lines.length / 2);
  let best = Number.POSITIVE_INFINITY;
  lines.forEach((l, i) => {
    const tallest = Math.max(i, lines.length - i - 1);
    if (l === '' && tallest < best) {
      best = tallest;
      cut = i;
    }
  });
  const left = lines.slice(0, cut);
  const right = lines.slice(cut + 1);
  const col = Math.floor((width - 2) / 2);
  return Array.from({ length: Math.max(left.length, right.length) }, (_, i) => [
    ...fitSegments(left[i] ?? '', col),
    ...fitSegments(right[i] ?? '', width - 2 - col),
  ]);
}

export function HelpOverlay({ width, height, onClose }: { width: number; height: number; onClose(): void }) {
  const lines = helpColumns(helpLines(), width);
  const visible = Math.max(1, height - 2);
  const list = useListCursor({ length: lines.length, page: visible, scroll: true });
  useKeypress((key) => {
    if (key.name === '?') {
      onClose();
      return true;
    }
    const c = commandFor('help', key.name);
    if (c === Command.Close) onClose();
    else if (!list.command(c)) return key.name !== 'C-c';
    return true;
  }, Priority.View);
  const offset = list.top;
  const shown = visibleRows(lines, list, visible).map((spec, i) => ({ spec, key: offset + i }));
  const pos = lines.length > visible ? `${offset + 1}-${Math.min(lines.length, offset + visible)} of ${lines.length} · j/k scroll` : '';
  return <Frame width={width} height={height} title="help · Esc close" titleRight={pos || undefined} focused rows={shown} />;
}
