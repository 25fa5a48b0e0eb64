// Quitting while transfers run would abandon them: ask first.

import { Priority, useKeypress } from '../hooks/use-keypress.js';
import { Frame } from './Frame.js';

export const QUIT_ROWS = 4;

export function QuitDialog({ width, running, onConfirm, onCancel }: { width: number; running: number; onConfirm(): void; onCancel(): void }) {
  useKeypress((key) => {
    if (key.name === 'y' || key.name === 'Y' || key.name === 'q' || key.name === 'enter') onConfirm();
    else if (key.name === 'n' || key.name === 'N' || key.name === 'escape') onCancel();
    else return key.name !== 'C-c';
    return true;
  }, Priority.Dialog);
  const rows = [
    { spec: [{ text: ` ${running} ${running === 1 ? 'transfer is' : 'transfers are'} still running. Quit and cancel ${running === 1 ? 'it' : 'them'}?`, bold: true }] },
    { spec: [{ text: ' y / Enter quit · n / Esc keep going', dim: true }] },
  ];
  return <Frame width={width} height={QUIT_ROWS} title="quit?" focused rows={rows} />;
}
