// 't': pick a transfer in the transfer area to cancel it (running) or drop it
// from the list (finished); p and X act on the whole queue here too. The panes
// stay visible; Esc goes back to them.

import { useState } from 'react';
import { Priority, useKeypress } from '../hooks/use-keypress.js';
import type { Transfers } from '../hooks/use-transfers.js';
import { Command, commandFor } from '../keys/bindings.js';
import { orderedTransfers } from '../state/transfers.js';
import type { BatchView } from '../state/transfer-batch.js';
import { TransfersArea } from './TransfersArea.js';

export interface TransferListProps {
  transfers: Transfers;
  width: number;
  height: number;
  rows: number;
  stats?: BatchView;
  onClose(): void;
  onPause(): void;
  onCancelAll(): void;
  onLog(text: string): void;
}

export function TransferList({ transfers, width, height, rows, stats, onClose, onPause, onCancelAll, onLog }: TransferListProps) {
  const ordered = orderedTransfers(transfers.transfers);
  const [selectedId, setSelectedId] = useState<number | undefined>(ordered[0]?.id);
  const index = Math.max(
    0,
    ordered.findIndex((t) => t.id === selectedId),
  );
  const selected = ordered[index];

  useKeypress((key) => {
    const c = commandFor('transfers', key.name);
    const to = (i: number) => setSelectedId(ordered[Math.max(0, Math.min(ordered.length - 1, i))]?.id);
    switch (c) {
      case Command.Close:
        onClose();
        break;
      case Command.Up:
        to(index - 1);
        break;
      case Command.Down:
        to(index + 1);
        break;
      case Command.PageUp:
      case Command.Top:
        to(0);
        break;
      case Command.PageDown:
      case Command.Bottom:
        to(ordered.length - 1);
        break;
      case Command.CancelTransfer:
        if (selected) {
          onLog(`${selected.status === 'running' ? 'cancel' : 'remove'} ${selected.kind} ${selected.path}`);
          transfers.cancel(selected.id);
          if (selected.status !== 'running') to(index + 1 < ordered.length ? index + 1 : index - 1);
        }
        break;
      case Command.PauseQueue:
        onPause();
        break;
      case Command.CancelAll:
        onCancelAll();
        break;
      default:
        return key.name !== 'C-c';
    }
    return true;
  }, Priority.View);

  // The window of rows that keeps the selection in view.
  const first = Math.max(0, Math.min(index - rows + 1, ordered.length - rows));
  const shown = ordered.slice(Math.max(0, first), Math.max(0, first) + rows);
  return <TransfersArea width={width} height={height} transfers={shown} total={ordered.length} stats={stats} selectedId={selected?.id} />;
}
