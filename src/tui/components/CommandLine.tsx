// The ':' command line for the classic commands, with ↑/↓ history that outlives
// each opening (the history is owned by the caller).

import { useLineInput } from '../hooks/use-line-input.js';
import { PromptLine } from './PromptLine.js';

export interface CommandLineProps {
  width: number;
  history: readonly string[];
  onRun(line: string): void;
  onCancel(): void;
}

export function CommandLine({ width, history, onRun, onCancel }: CommandLineProps) {
  const line = useLineInput({ history, onSubmit: (text) => onRun(text), onCancel });
  return <PromptLine label="$ " line={line} width={width} hint="  ↑↓ history · Enter run · Esc close " />;
}
