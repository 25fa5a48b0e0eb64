// A dismissible one-line message (Esc): refused paths, failed verifications, results.

import { Line } from './Line.js';

export interface Message {
  level: 'info' | 'ok' | 'error';
  text: string;
  /** Leave out the level glyph when the text carries its own verdict mark. */
  plain?: boolean;
}

export function MessageLine({ message, width }: { message: Message; width: number }) {
  const color = message.level === 'error' ? 'error' : message.level === 'ok' ? 'ok' : 'accent';
  const glyph = message.level === 'error' ? '✗' : message.level === 'ok' ? '✓' : '›';
  const text = message.plain ? ` ${message.text}` : ` ${glyph} ${message.text}`;
  return (
    <Line
      spec={[
        { text, color, bold: message.level === 'error' },
        { text: '   Esc dismiss', dim: true },
      ]}
      width={width}
    />
  );
}
