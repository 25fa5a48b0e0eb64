// Transfers the user started this session. The queue (use-transfers) holds what
// waits; this state holds only rows for what runs plus a bounded tail of what
// finished (failures kept longest), and the batch's counters, so marking 20,000
// files costs 20,000 queue entries and never 20,000 rows.

import type { CacheOutcome, Transport, TransferProgress } from '../../client/types.js';
import { type Batch, closeIfComplete, newBatch, pauseEnded, settledCount } from './transfer-batch.js';

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
  /** Failed because the user (or cancel-all) stopped it: not a failure to keep. */
  cancelled?: boolean;
  md5?: string;
  error?: string;
  cache?: CacheOutcome;
  seconds?: number;
  /** UDP retransmitted share, percent. */
  retxPercent?: number;
  note?: string;
  /** Progress has been reported: the transfer itself has begun. */
  moving?: boolean;
  /** The size the batch counted for it when it was queued (0: not known). */
  expected?: number;
  /** Done without moving anything: the same bytes were here already, or the user chose to keep what was there. */
  outcome?: DoneOutcome;
}

export type DoneOutcome = 'identical' | 'skipped';

export type TransfersAction =
  /** Files (and folders still to list) joined the queue. */
  | { type: 'enqueue'; files: number; bytes: number; listing?: number; now: number }
  /** Files of a folder being listed join the batch; `done`: its listing has ended. */
  | { type: 'listed'; files: number; bytes: number; done?: boolean; now: number }
  | { type: 'start'; id: number; kind: Transfer['kind']; path: string; transport: Transport; total?: number; now: number }
  | { type: 'progress'; updates: ReadonlyMap<number, TransferProgress> }
  | {
      type: 'done';
      id: number;
      bytes: number;
      md5: string;
      seconds: number;
      cache?: CacheOutcome;
      retxPercent?: number;
      note?: string;
      outcome?: DoneOutcome;
      now: number;
    }
  /** The destination exists and differs: the row goes, the file waits for the user's answer (still counted as to come). */
  | { type: 'conflict'; id: number }
  | { type: 'failed'; id: number; error: string; cancelled?: boolean; now: number }
  /** Queued files that settled without starting (cancel-all). */
  | { type: 'dropped'; files: number; bytes: number; now: number }
  /** Cancel-all: whatever is counted in and neither running nor settled will not come. */
  | { type: 'cancelRest'; now: number }
  | { type: 'pause'; now: number }
  | { type: 'resume'; now: number }
  | { type: 'clearFinished' }
  | { type: 'remove'; id: number };

export interface TransfersState {
  /** What runs now: at most the queue's concurrency. */
  running: readonly Transfer[];
  /** Failed rows, oldest first, at most MAX_FAILED_ROWS. */
  failures: readonly Transfer[];
  /** Done and cancelled rows, oldest first, at most MAX_FINISHED_ROWS. */
  finished: readonly Transfer[];
  batch: Batch | null;
  paused: boolean;
}

export const initialTransfers: TransfersState = { running: [], failures: [], finished: [], batch: null, paused: false };

/** Finished rows kept (done and cancelled), newest kept. */
export const MAX_FINISHED_ROWS = 200;
/** Failed rows kept: far more than finished ones, yet bounded (the log has every one). */
export const MAX_FAILED_ROWS = 1000;

/** Append, keeping the newest `max`. */
function keep(rows: readonly Transfer[], t: Transfer, max: number): readonly Transfer[] {
  return rows.length < max ? [...rows, t] : [...rows.slice(rows.length - max + 1), t];
}

/** The batch new files join: the current one, or a fresh one once the last is over. */
function openBatch(s: TransfersState, now: number): Batch {
  return s.batch && s.batch.endedAt === undefined ? s.batch : newBatch(now, s.paused);
}

function settle(s: TransfersState, id: number, change: (t: Transfer) => Transfer, count: (b: Batch, t: Transfer) => Batch, now: number): TransfersState {
  const t = s.running.find((x) => x.id === id);
  if (!t) return s;
  const next = change(t);
  const failure = next.status === 'failed' && !next.cancelled;
  return {
    ...s,
    running: s.running.filter((x) => x.id !== id),
    failures: failure ? keep(s.failures, next, MAX_FAILED_ROWS) : s.failures,
    finished: failure ? s.finished : keep(s.finished, next, MAX_FINISHED_ROWS),
    batch: s.batch ? closeIfComplete(count(s.batch, t), now) : s.batch,
  };
}

export function transfersReducer(s: TransfersState, a: TransfersAction): TransfersState {
  switch (a.type) {
    case 'enqueue': {
      const b = openBatch(s, a.now);
      return { ...s, batch: { ...b, files: b.files + a.files, bytesTotal: b.bytesTotal + a.bytes, listing: b.listing + (a.listing ?? 0) } };
    }
    case 'listed': {
      if (!s.batch) return s;
      const b = s.batch;
      return {
        ...s,
        batch: closeIfComplete(
          { ...b, files: b.files + a.files, bytesTotal: b.bytesTotal + a.bytes, listing: a.done === false ? b.listing : Math.max(0, b.listing - 1) },
          a.now,
        ),
      };
    }
    case 'start': {
      const row: Transfer = {
        id: a.id,
        kind: a.kind,
        path: a.path,
        transport: a.transport,
        bytes: 0,
        total: a.total ?? 0,
        rate: 0,
        etaSeconds: null,
        status: 'running',
        expected: a.total ?? 0,
      };
      // A transfer nobody queued through 'enqueue' still counts (and opens a batch).
      const batch = s.batch ?? newBatch(a.now, s.paused);
      return { ...s, running: [...s.running, row], batch };
    }
    case 'progress':
      if (a.updates.size === 0) return s;
      return {
        ...s,
        running: s.running.map((t) => {
          const p = a.updates.get(t.id);
          if (!p) return t;
          return { ...t, bytes: p.bytes, total: p.total, rate: p.rate, etaSeconds: p.etaSeconds, moving: true };
        }),
      };
    case 'done':
      return settle(
        s,
        a.id,
        (t) => ({
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
          ...(a.outcome ? { outcome: a.outcome } : {}),
        }),
        // The real size replaces the one counted when it was queued.
        (b, t) => ({
          ...b,
          done: b.done + 1,
          ...(a.outcome === 'identical' ? { identical: b.identical + 1 } : a.outcome === 'skipped' ? { skipped: b.skipped + 1 } : {}),
          bytesDone: b.bytesDone + a.bytes,
          bytesTotal: b.bytesTotal + a.bytes - (t.expected ?? 0),
        }),
        a.now,
      );
    case 'conflict':
      return { ...s, running: s.running.filter((x) => x.id !== a.id) };
    case 'failed':
      return settle(
        s,
        a.id,
        (t) => ({ ...t, status: 'failed', error: a.error, ...(a.cancelled ? { cancelled: true } : {}) }),
        (b, t) => ({
          ...b,
          ...(a.cancelled ? { cancelled: b.cancelled + 1 } : { failed: b.failed + 1 }),
          bytesDropped: b.bytesDropped + (t.expected ?? 0),
        }),
        a.now,
      );
    case 'dropped': {
      if (!s.batch) return s;
      const b = s.batch;
      return { ...s, batch: closeIfComplete({ ...b, cancelled: b.cancelled + a.files, bytesDropped: b.bytesDropped + a.bytes }, a.now) };
    }
    case 'cancelRest': {
      if (!s.batch) return s;
      const b = s.batch;
      const running = s.running.length;
      const rest = Math.max(0, b.files - settledCount(b) - running);
      // Unread files' sizes are unknown one by one: what is left of the total is dropped,
      // except what the running ones (settling as cancelled soon) account for.
      const runningExpected = s.running.reduce((n, t) => n + (t.expected ?? 0), 0);
      const bytesDropped = Math.max(b.bytesDropped, b.bytesTotal - b.bytesDone - runningExpected);
      return { ...s, batch: closeIfComplete({ ...b, cancelled: b.cancelled + rest, listing: 0, bytesDropped }, a.now) };
    }
    case 'pause':
      if (s.paused) return s;
      return { ...s, paused: true, batch: s.batch && s.batch.endedAt === undefined ? { ...s.batch, pausedSince: a.now } : s.batch };
    case 'resume':
      if (!s.paused) return s;
      return { ...s, paused: false, batch: s.batch && s.batch.endedAt === undefined ? { ...s.batch, ...pauseEnded(s.batch, a.now) } : s.batch };
    case 'clearFinished':
      // A batch that is over goes with its rows; one still going keeps counting.
      return { ...s, failures: [], finished: [], batch: s.batch && s.batch.endedAt !== undefined ? null : s.batch };
    case 'remove': {
      const next = { ...s, failures: s.failures.filter((t) => t.id !== a.id), finished: s.finished.filter((t) => t.id !== a.id) };
      return { ...next, batch: rowCount(next) === 0 && s.batch?.endedAt !== undefined ? null : s.batch };
    }
  }
}

export function runningCount(s: TransfersState): number {
  return s.running.length;
}

/** Rows held: running, failed and finished. */
export function rowCount(s: TransfersState): number {
  return s.running.length + s.failures.length + s.finished.length;
}

/** Bytes the running transfers have moved so far. */
export function runningBytes(s: TransfersState): number {
  let n = 0;
  for (const t of s.running) n += t.bytes;
  return n;
}

/** Files counted in and not settled: running or waiting in the queue (a folder being listed counts one). */
export function pendingCount(s: TransfersState): number {
  const b = s.batch;
  if (!b || b.endedAt !== undefined) return s.running.length;
  return Math.max(s.running.length, b.files - settledCount(b)) + (b.listing > 0 ? 1 : 0);
}

/** Rows in display order: failures first (they wait for the user), then running, then the newest finished. */
export function orderedTransfers(s: TransfersState): Transfer[] {
  return [...[...s.failures].reverse(), ...s.running, ...[...s.finished].reverse()];
}

/** The rows worth showing in `max` lines. */
export function visibleTransfers(s: TransfersState, max: number): Transfer[] {
  if (max <= 0) return [];
  return orderedTransfers(s).slice(0, max);
}
