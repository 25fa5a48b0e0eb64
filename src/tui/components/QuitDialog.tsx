// Quitting while transfers run or wait in the queue would abandon them: ask first.

import { ConfirmDialog, CONFIRM_ROWS } from './ConfirmDialog.js';

export const QUIT_ROWS = CONFIRM_ROWS;

export interface QuitDialogProps {
  width: number;
  running: number;
  /** Waiting in the queue, not started. */
  queued?: number;
  onConfirm(): void;
  onCancel(): void;
}

export function QuitDialog({ width, running, queued = 0, onConfirm, onCancel }: QuitDialogProps) {
  const one = running === 1;
  const question =
    queued > 0
      ? `${running} ${one ? 'transfer is' : 'transfers are'} running and ${queued} queued. Quit and cancel them?`
      : `${running} ${one ? 'transfer is' : 'transfers are'} still running. Quit and cancel ${one ? 'it' : 'them'}?`;
  return <ConfirmDialog width={width} title="quit?" question={question} yes="quit" no="keep going" alsoYes={['q']} onConfirm={onConfirm} onCancel={onCancel} />;
}
