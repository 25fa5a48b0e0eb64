// A yes/no question in the transfer area's place (quit while transfers run,
// cancel all, resume what was left). y/Enter confirms, n/Esc declines.

import { Priority, useKeypress } from '../hooks/use-keypress.js';
import { Frame } from './Frame.js';

export const CONFIRM_ROWS = 4;

export interface ConfirmDialogProps {
  width: number;
  title: string;
  question: string;
  yes: string;
  no: string;
  onConfirm(): void;
  onCancel(): void;
  /** Extra keys that also confirm (q confirms quitting). */
  alsoYes?: string[];
}

export function ConfirmDialog({ width, title, question, yes, no, onConfirm, onCancel, alsoYes = [] }: ConfirmDialogProps) {
  useKeypress((key) => {
    if (['y', 'Y', 'enter', ...alsoYes].includes(key.name)) onConfirm();
    else if (['n', 'N', 'escape'].includes(key.name)) onCancel();
    // Anything else is swallowed: a question is open.
    else return key.name !== 'C-c';
    return true;
  }, Priority.Dialog);
  const rows = [{ spec: [{ text: ` ${question}`, bold: true }] }, { spec: [{ text: ` y / Enter ${yes} · n / Esc ${no}`, dim: true }] }];
  return <Frame width={width} height={CONFIRM_ROWS} title={title} focused rows={rows} />;
}
