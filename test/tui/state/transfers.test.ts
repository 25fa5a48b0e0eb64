import { describe, expect, it } from 'vitest';
import { batchView } from '../../../src/tui/state/transfer-batch.js';
import {
  initialTransfers,
  orderedTransfers,
  rowCount,
  MAX_FAILED_ROWS,
  MAX_FINISHED_ROWS,
  pendingCount,
  runningCount,
  transfersReducer,
  visibleTransfers,
  type TransfersAction,
  type TransfersState,
} from '../../../src/tui/state/transfers.js';

const T0 = 1_000_000;
const apply = (s: TransfersState, ...actions: TransfersAction[]) => actions.reduce(transfersReducer, s);
const start = (id: number, total = 100, now = T0): TransfersAction => ({ type: 'start', id, kind: 'download', path: `f${id}`, transport: 'tcp', total, now });
const done = (id: number, bytes = 100, now = T0): TransfersAction => ({ type: 'done', id, bytes, md5: 'x', seconds: 0, now });
const failed = (id: number, error = 'refused', now = T0): TransfersAction => ({ type: 'failed', id, error, now });

describe('transfersReducer', () => {
  it('applies progress snapshots to running transfers only', () => {
    let s = apply(initialTransfers, start(1));
    expect(s.running[0]!.moving).toBeUndefined(); // nothing reported yet: the server may still be hashing
    s = transfersReducer(s, { type: 'progress', updates: new Map([[1, { path: 'f1', transport: 'tcp', bytes: 40, total: 100, rate: 5, etaSeconds: 12 }]]) });
    expect(s.running[0]).toMatchObject({ bytes: 40, rate: 5, etaSeconds: 12, status: 'running', moving: true });
    s = apply(s, { type: 'done', id: 1, bytes: 100, md5: 'abc', seconds: 1, now: T0 });
    s = transfersReducer(s, { type: 'progress', updates: new Map([[1, { path: 'f1', transport: 'tcp', bytes: 7, total: 100, rate: 5, etaSeconds: 1 }]]) });
    expect(s.finished[0]).toMatchObject({ bytes: 100, status: 'done', md5: 'abc' });
  });

  it('records failures and clears finished rows', () => {
    const s = apply(initialTransfers, start(1), start(2), failed(1));
    expect(s.failures[0]).toMatchObject({ status: 'failed', error: 'refused' });
    expect(runningCount(s)).toBe(1);
    expect(orderedTransfers(transfersReducer(s, { type: 'clearFinished' })).map((t) => t.id)).toEqual([2]);
  });

  it('shows failures first, then running transfers, then the newest finished', () => {
    const s = apply(initialTransfers, start(1), start(2), start(3), start(4), done(1), failed(2), done(3));
    expect(visibleTransfers(s, 4).map((t) => t.id)).toEqual([2, 4, 3, 1]);
    expect(visibleTransfers(s, 2).map((t) => t.id)).toEqual([2, 4]);
    expect(visibleTransfers(s, 0)).toEqual([]);
  });
});

describe('the batch', () => {
  it('counts files and bytes from the moment they are queued, and reaches N/N', () => {
    let s = apply(initialTransfers, { type: 'enqueue', files: 3, bytes: 300, now: T0 });
    expect(rowCount(s)).toBe(0); // queued files have no rows
    expect(pendingCount(s)).toBe(3);
    s = apply(s, start(1), start(2));
    s = transfersReducer(s, { type: 'progress', updates: new Map([[1, { path: 'f1', transport: 'tcp', bytes: 50, total: 100, rate: 5, etaSeconds: 1 }]]) });
    let v = batchView(s.batch!, runningCount(s), 50, false, T0 + 1000);
    expect(v).toMatchObject({ files: 3, done: 0, running: 2, queued: 1, bytesDone: 50, bytesTotal: 300, rate: 50, complete: false });
    expect(v.etaSeconds).toBeCloseTo(5); // 250 B left at 50 B/s
    s = apply(s, done(1, 100, T0 + 2000), done(2, 100, T0 + 2000), start(3), done(3, 120, T0 + 4000));
    v = batchView(s.batch!, 0, 0, false, T0 + 9000);
    // The real size replaces the queued one; the clock stopped with the last file.
    expect(v).toMatchObject({ files: 3, done: 3, queued: 0, bytesDone: 320, bytesTotal: 320, complete: true, etaSeconds: 0 });
    expect(v.rate).toBeCloseTo(80);
    expect(pendingCount(s)).toBe(0);
  });

  it('a folder counts once listed; work queued after a finished batch starts a new one', () => {
    let s = apply(initialTransfers, { type: 'enqueue', files: 0, bytes: 0, listing: 1, now: T0 });
    expect(batchView(s.batch!, 0, 0, false, T0)).toMatchObject({ listing: 1, complete: false });
    s = apply(s, { type: 'listed', files: 1, bytes: 10, now: T0 }, start(1, 10), done(1, 10));
    expect(s.batch).toMatchObject({ files: 1, done: 1, endedAt: T0 });
    s = apply(s, { type: 'enqueue', files: 2, bytes: 20, now: T0 + 5 });
    expect(s.batch).toMatchObject({ files: 2, done: 0, startedAt: T0 + 5 });
    expect(s.batch!.endedAt).toBeUndefined();
  });

  it('pause time does not count against the rate', () => {
    let s = apply(initialTransfers, { type: 'enqueue', files: 1, bytes: 100, now: T0 }, start(1));
    s = apply(s, { type: 'pause', now: T0 + 1000 }, { type: 'resume', now: T0 + 9000 }, done(1, 100, T0 + 10_000));
    expect(batchView(s.batch!, 0, 0, false, T0 + 10_000).rate).toBeCloseTo(50); // 100 B in 2 s of work
    // While paused: no ETA.
    const p = apply(initialTransfers, { type: 'enqueue', files: 2, bytes: 200, now: T0 }, start(1), done(1, 100, T0 + 1000), { type: 'pause', now: T0 + 1000 });
    expect(batchView(p.batch!, 0, 0, false, T0 + 2000).etaSeconds).toBeCloseTo(1);
    expect(batchView(p.batch!, 0, 0, true, T0 + 2000).etaSeconds).toBeNull();
  });

  it('cancel-all: queued files never start, running ones settle as cancelled, and the batch ends', () => {
    let s = apply(initialTransfers, { type: 'enqueue', files: 10, bytes: 1000, now: T0 }, start(1), start(2));
    s = apply(s, { type: 'dropped', files: 3, bytes: 300, now: T0 }, { type: 'cancelRest', now: T0 });
    expect(s.batch).toMatchObject({ cancelled: 8 });
    expect(pendingCount(s)).toBe(2);
    s = apply(
      s,
      { type: 'failed', id: 1, error: 'cancelled', cancelled: true, now: T0 },
      { type: 'failed', id: 2, error: 'cancelled', cancelled: true, now: T0 },
    );
    const v = batchView(s.batch!, runningCount(s), 0, false, T0);
    expect(v).toMatchObject({ cancelled: 10, failed: 0, running: 0, queued: 0, complete: true });
    expect(pendingCount(s)).toBe(0);
    // Cancelled rows are not failures: they do not stay at the top.
    expect(s.failures).toHaveLength(0);
    expect(s.finished.every((t) => t.cancelled)).toBe(true);
  });
});

describe('bounded rows', () => {
  it('20,000 files through the state: rows never exceed the running plus the bounded tail', () => {
    let s = apply(initialTransfers, { type: 'enqueue', files: 20_000, bytes: 20_000, now: T0 });
    let most = 0;
    for (let id = 1; id <= 20_000; id++) {
      s = apply(s, start(id, 1));
      // One in ten fails: failures are kept longer than the rest, but not forever.
      s = transfersReducer(s, id % 10 === 0 ? failed(id) : done(id, 1));
      most = Math.max(most, rowCount(s));
    }
    expect(most).toBeLessThanOrEqual(MAX_FINISHED_ROWS + MAX_FAILED_ROWS + 1);
    expect(s.finished).toHaveLength(MAX_FINISHED_ROWS);
    expect(s.failures).toHaveLength(MAX_FAILED_ROWS);
    expect(s.failures.at(-1)!.id).toBe(20_000); // the newest kept
    expect(s.finished.at(-1)!.id).toBe(19_999);
    expect(batchView(s.batch!, 0, 0, false, T0 + 1)).toMatchObject({ files: 20_000, done: 18_000, failed: 2_000, complete: true });
  });
});
