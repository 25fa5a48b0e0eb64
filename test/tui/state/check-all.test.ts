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
    s = checkAllReducer(s, { type: 'hashed', height: 10 });
    expect(s.phase).toBe('comparing');
    expect(checkSummary(s)).toEqual({ same: 1, differs: 1, missing: 0, pending: 1 });
    s = checkAllReducer(s, { type: 'local', path: 'c', verdict: 'missing' });
    s = checkAllReducer(s, { type: 'done' });
    expect(checkSummary(s)).toEqual({ same: 1, differs: 1, missing: 1, pending: 0 });
  });

  it('shows the results by path once all are in, keeping the cursor on its row', () => {
    let s = initialCheckAll;
    for (const p of ['docs/b.txt', 'a.txt', 'docs/a.txt', 'c.bin']) s = checkAllReducer(s, { type: 'result', result: result(p) });
    s = checkAllReducer(s, { type: 'moveTo', index: 0, height: 2 }); // docs/b.txt, in arrival order
    expect(s.rows.map((r) => r.path)).toEqual(['docs/b.txt', 'a.txt', 'docs/a.txt', 'c.bin']); // still arriving: rows stay put
    s = checkAllReducer(s, { type: 'hashed', height: 2 });
    expect(s.rows.map((r) => r.path)).toEqual(['a.txt', 'c.bin', 'docs/a.txt', 'docs/b.txt']);
    expect(s.rows[s.cursor]?.path).toBe('docs/b.txt');
    expect([s.cursor, s.offset]).toEqual([3, 2]); // scrolled so the cursor's row is on screen
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
