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

/**
 * Two columns when the screen is wide, split at a group boundary near the middle.
 * Taller than `rows`, the blank lines between groups go (the bold group names
 * still part them), so the whole table fits one screen where it can.
 */
export function helpColumns(lines: LineSpec[], width: number, rows = Number.POSITIVE_INFINITY): LineSpec[] {
  if (width < 100) return lines;
  // Split at the blank line before a group (no group is cut in two), choosing the
  // one that makes the taller column shortest; when even that is taller than the
  // screen, the blank lines go and the split is chosen again for the rows left.
  const split = (compact: boolean): [LineSpec[], LineSpec[]] => {
    const keep = (part: LineSpec[]) => (compact ? part.filter((l) => l !== '') : part);
    let best: [LineSpec[], LineSpec[]] = [lines, []];
    let tallest = Number.POSITIVE_INFINITY;
    lines.forEach((l, i) => {
      if (l !== '') return;
      const pair: [LineSpec[], LineSpec[]] = [keep(lines.slice(0, i)), keep(lines.slice(i + 1))];
      const t = Math.max(pair[0].length, pair[1].length);
      if (t < tallest) {
        tallest = t;
        best = pair;
      }
    });
    return best;
  };
  let [left, right] = split(false);
  if (Math.max(left.length, right.length) > rows) [left, right] = split(true);
  // Still too tall: the second column may begin inside a group, so the whole table shows.
  if (Math.max(left.length, right.length) > rows) {
    const all = lines.filter((l) => l !== '');
    const half = Math.ceil(all.length / 2);
    [left, right] = [all.slice(0, half), all.slice(half)];
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
