// '/': the name filter, applied as each key is typed. Enter keeps it (its chip
// stays in the pane's title), Esc puts back what was there before.

import { useEffect, useRef } from 'react';
import { useLineInput } from '../hooks/use-line-input.js';
import { PromptLine } from './PromptLine.js';

export interface NameFilterPromptProps {
  width: number;
  initial: string | undefined;
  /** Every change of the text, as typed. */
  onChange(name: string | undefined): void;
  onDone(): void;
}

export function NameFilterPrompt({ width, initial, onChange, onDone }: NameFilterPromptProps) {
  const before = useRef(initial);
  const line = useLineInput({
    initial: initial ?? '',
    onSubmit: () => onDone(),
    onCancel: () => {
      onChange(before.current);
      onDone();
    },
  });
  const changed = useRef(onChange);
  changed.current = onChange;
  useEffect(() => {
    changed.current(line.text === '' ? undefined : line.text);
  }, [line.text]);
  return <PromptLine label=" filter names: " line={line} width={width} hint="  any case unless you type a capital · Enter keep · Esc undo " />;
}
