// The shortlist form: start and end times, local time, either may be left empty.
// Tab or ↑/↓ moves between the fields; errors show under the field, in place.

import { useState } from 'react';
import { formatTime } from '../../format.js';
import { useLineInput } from '../hooks/use-line-input.js';
import { parseLocalTime, type Filters } from '../state/filters.js';
import { Frame } from './Frame.js';
import { promptSegments } from './PromptLine.js';
import type { LineSpec } from './Line.js';

export const SHORTLIST_ROWS = 6;

export interface ShortlistFormProps {
  width: number;
  filters: Filters;
  onApply(range: { after?: number; before?: number }): void;
  onCancel(): void;
}

type Parsed = { ok: true; value: number | undefined } | { ok: false };

function parseField(text: string, end: boolean): Parsed {
  if (text.trim() === '') return { ok: true, value: undefined };
  const v = parseLocalTime(text, end);
  return v === null ? { ok: false } : { ok: true, value: v };
}

export function ShortlistForm({ width, filters, onApply, onCancel }: ShortlistFormProps) {
  const [field, setField] = useState<0 | 1>(0);
  const [error, setError] = useState<string | null>(null);
  const texts = { start: '', end: '' };
  // The field being typed in hands over its latest text; the other one is drawn.
  const submit = (which: 0 | 1, text: string) => {
    const a = parseField(which === 0 ? text : texts.start, false);
    const b = parseField(which === 1 ? text : texts.end, true);
    if (!a.ok || !b.ok) {
      setError(`cannot read the ${!a.ok ? 'start' : 'end'} time: use YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or YYYY-MM-DDTHH:MM:SS`);
      setField(!a.ok ? 0 : 1);
      return;
    }
    if (a.value !== undefined && b.value !== undefined && a.value >= b.value) {
      setError('the start must be before the end');
      return;
    }
    onApply({ after: a.value, before: b.value });
  };
  const other = (name: string) => {
    if (name === 'tab' || name === 'S-tab' || name === 'up' || name === 'down') {
      setField((f) => (f === 0 ? 1 : 0));
      return true;
    }
    return false;
  };
  const start = useLineInput({
    initial: filters.after !== undefined ? formatTime(filters.after) : '',
    onSubmit: (text) => submit(0, text),
    onCancel,
    onOtherKey: other,
    active: field === 0,
  });
  const end = useLineInput({
    initial: filters.before !== undefined ? formatTime(filters.before) : '',
    onSubmit: (text) => submit(1, text),
    onCancel,
    onOtherKey: other,
    active: field === 1,
  });
  texts.start = start.text;
  texts.end = end.text;
  const inner = width - 2;
  const fieldRow = (label: string, i: 0 | 1, line: typeof start): LineSpec =>
    field === i
      ? promptSegments(label, line, inner)
      : [
          { text: label, bold: true },
          { text: line.text || '(open)', dim: line.text === '' },
        ];
  const rows: Array<{ spec: LineSpec }> = [
    { spec: fieldRow(' start  after  ', 0, start) },
    { spec: fieldRow(' end    before ', 1, end) },
    { spec: error ? [{ text: ` ✗ ${error}`, color: 'error' }] : [{ text: ' local time · YYYY-MM-DD [HH:MM:SS] · empty = open', dim: true }] },
    { spec: [{ text: ' Enter apply · Tab next field · Esc cancel', dim: true }] },
  ];
  return <Frame width={width} height={SHORTLIST_ROWS} title="shortlist: modified between" focused rows={rows} />;
}
