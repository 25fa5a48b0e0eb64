// Quitting while transfers run would abandon them: ask first.

import { ConfirmDialog, CONFIRM_ROWS } from './ConfirmDialog.js';

export const QUIT_ROWS = CONFIRM_ROWS;

export function QuitDialog({ width, running, onConfirm, onCancel }: { width: number; running: number; onConfirm(): void; onCancel(): void }) {
  const one = running === 1;
  return (
    <ConfirmDialog
      width={width}
      title="quit?"
      question={`${running} ${one ? 'transfer is' : 'transfers are'} still running. Quit and cancel ${one ? 'it' : 'them'}?`}
      yes="quit"
      no="keep going"
      alsoYes={['q']}
      onConfirm={onConfirm}
      onCancel={onCancel}
    />
  );
}
