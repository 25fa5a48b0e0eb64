// Quitting while transfers run or wait in the queue would abandon them: ask first.

import { ConfirmDialog, CONFIRM_ROWS } from './ConfirmDialog.js';

export const QUIT_ROWS = CONFIRM_ROWS;

export interface QuitDialogProps {
  width: number;
  running: number;
  /** Waiting in the queue, not started. */
  queued?: number;
  /** What is left is kept and offered at the next start. */
  keeps?: boolean;
  onConfirm(): void;
  onCancel(): void;
}

export function QuitDialog({ width, running, queued = 0, keeps = false, onConfirm, onCancel }: QuitDialogProps) {
  const one = running === 1;
  const them = one && queued === 0 ? 'it' : 'them';
  const what = keeps ? `Quit? ferry offers to resume ${them} at the next start.` : `Quit and cancel ${them}?`;
  const question =
    queued > 0
      ? `${running} ${one ? 'transfer is' : 'transfers are'} running and ${queued} queued. ${what}`
      : `${running} ${one ? 'transfer is' : 'transfers are'} still running. ${what}`;
  return <ConfirmDialog width={width} title="quit?" question={question} yes="quit" no="keep going" alsoYes={['q']} onConfirm={onConfirm} onCancel={onCancel} />;
}
