import { describe, expect, it } from 'vitest';
import { checkAllReducer, checkSummary, initialCheckAll } from '../../../src/tui/state/check-all.js';

const result = (path: string, size = 10) => ({ path, md5: 'm'.repeat(32), size, mtimeMs: 0, mtime: '' });

describe('checkAllReducer', () => {
  it('tracks the plan, results and local verdicts', () => {
    let s = checkAllReducer(initialCheckAll, { type: 'plan', files: 3, bytes: 30 });
    expect(s.phase).toBe('hashing');
    s = checkAllReducer(s, { type: 'result', result: result('a') });
    s = checkAllReducer(s, { type: 'result', result: result('b') });
    s = checkAllReducer(s, { type: 'result', result: result('c') });
    expect(s.hashedBytes).toBe(30);
    s = checkAllReducer(s, { type: 'local', path: 'a', verdict: 'same' });
    s = checkAllReducer(s, { type: 'local', path: 'b', verdict: 'differs' });
    s = checkAllReducer(s, { type: 'hashed' });
    expect(s.phase).toBe('comparing');
    expect(checkSummary(s)).toEqual({ same: 1, differs: 1, missing: 0, pending: 1 });
    s = checkAllReducer(s, { type: 'local', path: 'c', verdict: 'missing' });
    s = checkAllReducer(s, { type: 'done' });
    expect(checkSummary(s)).toEqual({ same: 1, differs: 1, missing: 1, pending: 0 });
  });

  it('scrolls within the rows', () => {
    let s = initialCheckAll;
    for (let i = 0; i < 10; i++) s = checkAllReducer(s, { type: 'result', result: result(`f${i}`) });
    s = checkAllReducer(s, { type: 'moveTo', index: -1, height: 4 });
    expect([s.cursor, s.offset]).toEqual([9, 6]);
    s = checkAllReducer(s, { type: 'move', delta: -100, height: 4 });
    expect([s.cursor, s.offset]).toEqual([0, 0]);
  });

  it('keeps the error on failure', () => {
    expect(checkAllReducer(initialCheckAll, { type: 'failed', error: 'gone' })).toMatchObject({ phase: 'failed', error: 'gone' });
  });
});
