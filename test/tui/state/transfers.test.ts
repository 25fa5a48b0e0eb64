import { describe, expect, it } from 'vitest';
import { runningCount, transfersReducer, visibleTransfers, type TransfersState } from '../../../src/tui/state/transfers.js';

const start = (id: number, path = `f${id}`): TransfersState =>
  transfersReducer([], { type: 'start', id, kind: 'download', path, transport: 'tcp', total: 100 });

describe('transfersReducer', () => {
  it('applies progress snapshots to running transfers only', () => {
    let s = start(1);
    expect(s[0]!.moving).toBeUndefined(); // nothing reported yet: the server may still be hashing
    s = transfersReducer(s, { type: 'progress', updates: new Map([[1, { path: 'f1', transport: 'tcp', bytes: 40, total: 100, rate: 5, etaSeconds: 12 }]]) });
    expect(s[0]).toMatchObject({ bytes: 40, rate: 5, etaSeconds: 12, status: 'running', moving: true });
    s = transfersReducer(s, { type: 'done', id: 1, bytes: 100, md5: 'abc', seconds: 1 });
    s = transfersReducer(s, { type: 'progress', updates: new Map([[1, { path: 'f1', transport: 'tcp', bytes: 7, total: 100, rate: 5, etaSeconds: 1 }]]) });
    expect(s[0]).toMatchObject({ bytes: 100, status: 'done', md5: 'abc' });
  });

  it('records failures and clears finished rows', () => {
    let s: TransfersState = [...start(1), ...start(2)];
    s = transfersReducer(s, { type: 'failed', id: 1, error: 'refused' });
    expect(s[0]).toMatchObject({ status: 'failed', error: 'refused' });
    expect(runningCount(s)).toBe(1);
    expect(transfersReducer(s, { type: 'clearFinished' }).map((t) => t.id)).toEqual([2]);
  });

  it('shows running transfers first, then the newest finished', () => {
    let s: TransfersState = [...start(1), ...start(2), ...start(3)];
    s = transfersReducer(s, { type: 'done', id: 1, bytes: 1, md5: 'x', seconds: 0 });
    s = transfersReducer(s, { type: 'done', id: 2, bytes: 1, md5: 'x', seconds: 0 });
    expect(visibleTransfers(s, 2).map((t) => t.id)).toEqual([3, 2]);
    expect(visibleTransfers(s, 0)).toEqual([]);
  });
});
