// A destination that exists and differs: both sides side by side (size, time,
// MD5, "…" until known) and what to do. Lower-case answers this file only;
// capitals answer it and every other of its batch, waiting or still to come.
// Esc leaves this one as it is (the same as s); q still asks to quit.

import { formatBytes, formatTime } from '../../format.js';
import { Priority, useKeypress } from '../hooks/use-keypress.js';
import type { ConflictDetails, SideFacts } from '../hooks/use-conflict-details.js';
import type { Conflict, ConflictAnswer } from '../state/conflicts.js';
import { Frame } from './Frame.js';
import type { LineSpec } from './Line.js';

export const CONFLICT_ROWS = 7;

const KEYS: Record<string, ConflictAnswer> = { o: 'overwrite', s: 'skip', b: 'keep-both', n: 'newer' };

export interface ConflictDialogProps {
  width: number;
  conflict: Conflict;
  details: ConflictDetails;
  position: { at: number; of: number };
  onAnswer(answer: ConflictAnswer, forAll: boolean): void;
}

function sideRow(label: string, f: SideFacts): LineSpec {
  const size = f.size !== undefined ? formatBytes(f.size) : f.missing ? '?' : '…';
  const time = f.mtimeMs !== undefined ? formatTime(f.mtimeMs) : f.missing ? '?' : '…';
  const md5 = f.md5 ?? (f.missing ? '?' : '…');
  return [{ text: ` ${label.padEnd(8)}`, bold: true }, { text: `${size.padStart(10)}   ${time.padEnd(19)}   ${md5}` }];
}

export function ConflictDialog({ width, conflict, details, position, onAnswer }: ConflictDialogProps) {
  useKeypress((key) => {
    const lower = key.name.toLowerCase();
    const answer = KEYS[lower];
    if (answer && key.name.length === 1) onAnswer(answer, key.name !== lower);
    else if (key.name === 'escape') onAnswer('skip', false);
    // Anything else waits: a question is open (q and Ctrl-C still quit).
    else return key.name !== 'C-c' && key.name !== 'q';
    return true;
  }, Priority.Dialog);
  const upload = conflict.kind === 'upload';
  const where = upload ? 'exists on the server and differs' : 'exists here and differs';
  const count = position.of > 1 ? ` (${position.at} of ${position.of} conflicts)` : '';
  const newer = upload ? 'n only if ours is newer' : "n only if the server's is newer";
  const rows = [
    { spec: [{ text: `${' '.repeat(9)}${'size'.padStart(10)}   ${'modified'.padEnd(19)}   MD5`, dim: true }] },
    { spec: sideRow('server', details.server) },
    { spec: sideRow(upload ? 'ours' : 'here', details.here) },
    { spec: [{ text: ` o overwrite   s skip   b keep both   ${newer}`, bold: true }] },
    { spec: [{ text: ' O S B N: the same for all the rest of this batch   Esc skip', dim: true }] },
  ];
  return <Frame width={width} height={CONFLICT_ROWS} title={`${conflict.path} ${where}${count}`} focused rows={rows} />;
}
