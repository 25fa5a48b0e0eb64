// '?': every binding, grouped, generated from the key table that binds them.

import { useState } from 'react';
import { Priority, useKeypress } from '../hooks/use-keypress.js';
import { Command, commandFor, helpGroups } from '../keys/bindings.js';
import { displayKey } from '../keys/key-name.js';
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

/**
 * Two columns when the screen is wide, split at a group boundary near the middle.
 * Taller than `rows`, the blank lines between groups go (the bold group names
 * still part them), so the whole table fits one screen where it can.
 */
export function helpColumns(lines: LineSpec[], width: number, rows = Number.POSITIVE_INFINITY): LineSpec[] {
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
  let left = lines.slice(0, cut);
  let right = lines.slice(cut + 1);
  if (Math.max(left.length, right.length) > rows) {
    left = left.filter((l) => l !== '');
    right = right.filter((l) => l !== '');
  }
  const col = Math.floor((width - 2) / 2);
  return Array.from({ length: Math.max(left.length, right.length) }, (_, i) => [
    ...fitSegments(left[i] ?? '', col),
    ...fitSegments(right[i] ?? '', width - 2 - col),
  ]);
}

export function HelpOverlay({ width, height, onClose }: { width: number; height: number; onClose(): void }) {
  const visible = Math.max(1, height - 2);
  const lines = helpColumns(helpLines(), width, visible);
  const max = Math.max(0, lines.length - visible);
  const [offset, setOffset] = useState(0);
  useKeypress((key) => {
    if (key.name === '?') {
      onClose();
      return true;
    }
    const c = commandFor('help', key.name);
    const by = (n: number) => setOffset((o) => Math.max(0, Math.min(max, o + n)));
    if (c === Command.Close) onClose();
    else if (c === Command.Down) by(1);
    else if (c === Command.Up) by(-1);
    else if (c === Command.PageDown) by(visible);
    else if (c === Command.PageUp) by(-visible);
    else if (c === Command.Top) setOffset(0);
    else if (c === Command.Bottom) setOffset(max);
    else return key.name !== 'C-c';
    return true;
  }, Priority.View);
  const shown = lines.slice(offset, offset + visible).map((spec, i) => ({ spec, key: offset + i }));
  const pos = max > 0 ? `${offset + 1}-${Math.min(lines.length, offset + visible)} of ${lines.length} · j/k scroll` : '';
  return <Frame width={width} height={height} title="help · Esc close" titleRight={pos || undefined} focused rows={shown} />;
}
