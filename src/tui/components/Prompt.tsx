// A single-line prompt in the footer row (extension filter, keyword search, log filter).

import { useLineInput } from '../hooks/use-line-input.js';
import { PromptLine } from './PromptLine.js';

export interface PromptProps {
  label: string;
  initial?: string;
  width: number;
  onSubmit(text: string): void;
  onCancel(): void;
}

export function Prompt({ label, initial, width, onSubmit, onCancel }: PromptProps) {
  const line = useLineInput({ initial, onSubmit, onCancel });
  return <PromptLine label={label} line={line} width={width} hint="  Enter apply · Esc cancel " />;
}
