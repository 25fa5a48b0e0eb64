// Transfers the user started this session: running ones update from throttled
// progress snapshots; finished ones keep their MD5 or their error.

import type { CacheOutcome, Transport, TransferProgress } from '../../client/types.js';

export interface Transfer {
  id: number;
  kind: 'download' | 'upload';
  path: string;
  transport: Transport;
  bytes: number;
  total: number;
  rate: number;
  etaSeconds: number | null;
  status: 'running' | 'done' | 'failed';
  md5?: string;
  error?: string;
  cache?: CacheOutcome;
  seconds?: number;
  /** UDP retransmitted share, percent. */
  retxPercent?: number;
  note?: string;
  /** A folder download: how many files it holds (known once sized). */
  files?: number;
  folder?: boolean;
  /** Progress has been reported: the transfer itself has begun. */
  moving?: boolean;
}

export type TransfersAction =
  | { type: 'start'; id: number; kind: Transfer['kind']; path: string; transport: Transport; total?: number; folder?: boolean }
  | { type: 'sized'; id: number; total: number; files: number }
  | { type: 'progress'; updates: ReadonlyMap<number, TransferProgress> }
  | { type: 'done'; id: number; bytes: number; md5: string; seconds: number; cache?: CacheOutcome; retxPercent?: number; note?: string; files?: number }
  | { type: 'failed'; id: number; error: string }
  | { type: 'clearFinished' }
  | { type: 'remove'; id: number };

export type TransfersState = readonly Transfer[];

export function transfersReducer(s: TransfersState, a: TransfersAction): TransfersState {
  switch (a.type) {
    case 'start':
      return [
        ...s,
        {
          id: a.id,
          kind: a.kind,
          path: a.path,
          transport: a.transport,
          bytes: 0,
          total: a.total ?? 0,
          rate: 0,
          etaSeconds: null,
          status: 'running',
          ...(a.folder ? { folder: true, note: 'sizing…' } : {}),
        },
      ];
    case 'sized':
      return s.map((t) => (t.id === a.id ? { ...t, total: a.total, files: a.files, note: undefined } : t));
    case 'progress':
      if (a.updates.size === 0) return s;
      return s.map((t) => {
        const p = a.updates.get(t.id);
        if (!p || t.status !== 'running') return t;
        return { ...t, bytes: p.bytes, total: p.total, rate: p.rate, etaSeconds: p.etaSeconds, moving: true };
      });
    case 'done':
      return s.map((t) =>
        t.id === a.id
          ? {
              ...t,
              status: 'done',
              bytes: a.bytes,
              total: Math.max(t.total, a.bytes),
              md5: a.md5,
              seconds: a.seconds,
              cache: a.cache,
              retxPercent: a.retxPercent,
              note: a.note,
              etaSeconds: 0,
              ...(a.files !== undefined ? { files: a.files } : {}),
            }
          : t,
      );
    case 'failed':
      return s.map((t) => (t.id === a.id ? { ...t, status: 'failed', error: a.error } : t));
    case 'clearFinished':
      return s.filter((t) => t.status === 'running');
    case 'remove':
      return s.filter((t) => t.id !== a.id || t.status === 'running');
  }
}

export function runningCount(s: TransfersState): number {
  return s.filter((t) => t.status === 'running').length;
}

/** The rows worth showing in `max` lines: running first, then the newest finished. */
export function visibleTransfers(s: TransfersState, max: number): Transfer[] {
  if (max <= 0) return [];
  const running = s.filter((t) => t.status === 'running');
  const finished = s.filter((t) => t.status !== 'running').reverse();
  return [...running, ...finished].slice(0, max);
}
