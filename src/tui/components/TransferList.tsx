// 't': pick a transfer in the transfer area to cancel it (running) or drop it
// from the list (finished); p and X act on the whole queue here too. The panes
// stay visible; Esc goes back to them.

import { useState } from 'react';
import { Priority, useKeypress } from '../hooks/use-keypress.js';
import { listMoveFor, useListCursor } from '../hooks/use-list-cursor.js';
import type { Transfers } from '../hooks/use-transfers.js';
import { Command, commandFor } from '../keys/bindings.js';
import { type ListMove, visibleRows } from '../state/list-cursor.js';
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
  // Rows reorder as transfers finish: the selection follows its transfer by id.
  const list = useListCursor(
    { length: ordered.length, page: rows },
    {
      selected: Math.max(
        0,
        ordered.findIndex((t) => t.id === selectedId),
      ),
    },
  );
  const index = list.cursor;
  const selected = ordered[index];

  useKeypress((key) => {
    const c = commandFor('transfers', key.name);
    const to = (m: ListMove) => setSelectedId(ordered[list.move(m).cursor]?.id);
    const move = listMoveFor(c);
    if (move) {
      to(move);
      return true;
    }
    switch (c) {
      case Command.Close:
        onClose();
        break;
      case Command.CancelTransfer:
        if (selected) {
          onLog(`${selected.status === 'running' ? 'cancel' : 'remove'} ${selected.kind} ${selected.path}`);
          transfers.cancel(selected.id);
          if (selected.status !== 'running') to({ type: 'to', index: index + 1 < ordered.length ? index + 1 : Math.max(0, index - 1) });
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

  const shown = [...visibleRows(ordered, list, rows)];
  return <TransfersArea width={width} height={height} transfers={shown} total={ordered.length} stats={stats} selectedId={selected?.id} />;
}
