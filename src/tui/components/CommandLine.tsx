// The ':' command line for the classic commands, with ↑/↓ history that outlives
// each opening (the history is owned by the caller) and Tab completion as in
// `ferry shell` (client/classic-complete.ts): one match completes, several extend
// the line as far as they agree and are listed in the hint.

import { useState } from 'react';
import { type ClassicCompleter, completeLine } from '../../client/classic-complete.js';
import { useLineInput } from '../hooks/use-line-input.js';
import { truncate } from '../text.js';
import { PromptLine } from './PromptLine.js';

export interface CommandLineProps {
  width: number;
  history: readonly string[];
  onRun(line: string): void;
  onCancel(): void;
  complete?: ClassicCompleter;
}

export function CommandLine({ width, history, onRun, onCancel, complete }: CommandLineProps) {
  // The choices of the last Tab, for the line they were offered for: typing on hides them.
  const [offered, setOffered] = useState<{ line: string; choices: string[] }>({ line: '', choices: [] });
  const line = useLineInput({
    history,
    onSubmit: (text) => onRun(text),
    onCancel,
    ...(complete
      ? {
          complete: async (text: string) => {
            const done = completeLine(text, await complete(text));
            setOffered(done);
            return done.line;
          },
        }
      : {}),
  });
  const choices = offered.line === line.text ? offered.choices : [];
  // At most half the row: the line being typed keeps the rest.
  const hint =
    choices.length > 0
      ? `  ${truncate(choices.join('  '), Math.floor(width / 2) - 3)} `
      : complete
        ? '  Tab complete · ↑↓ history · Enter run · Esc close '
        : '  ↑↓ history · Enter run · Esc close ';
  return <PromptLine label="$ " line={line} width={width} hint={hint} />;
}
