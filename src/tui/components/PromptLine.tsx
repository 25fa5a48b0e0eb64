// A one-row text field: label, text and a block cursor, scrolled so the cursor stays
// in view however long the line grows.

import { Text } from 'ink';
import type { LineState } from '../state/line-editor.js';
import { displayWidth } from '../text.js';
import { useTheme } from '../theme.js';
import { fitSegments, type Seg } from './Line.js';

export function promptSegments(label: string, line: LineState, width: number, hint = ''): Seg[] {
  const chars = [...line.text];
  const room = Math.max(1, width - displayWidth(label) - 1 - displayWidth(hint));
  const start = Math.max(0, line.cursor - room + 1);
  const before = chars.slice(start, line.cursor).join('');
  const at = chars[line.cursor] ?? ' ';
  const after = chars.slice(line.cursor + 1, start + room).join('');
  return fitSegments(
    [
      { text: label, bold: true, color: 'accent' },
      { text: before },
      { text: at, inverse: true },
      { text: after },
      { text: ' '.repeat(Math.max(0, room - 1 - displayWidth(before + after))) },
      { text: hint, dim: true },
    ],
    width,
  );
}

export function PromptLine({ label, line, width, hint }: { label: string; line: LineState; width: number; hint?: string }) {
  const theme = useTheme();
  return (
    <Text wrap="truncate">
      {promptSegments(label, line, width, hint).map((s, i) => (
        <Text key={i} color={s.color && theme.color ? theme[s.color] : undefined} bold={s.bold} inverse={s.inverse} dimColor={s.dim}>
          {s.text}
        </Text>
      ))}
    </Text>
  );
}
