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

describe('checkAllReducer at scale', () => {
  it('takes results and verdicts in batches, one pass over the rows each, and keeps the summary without counting', () => {
    const N = 20_000;
    let s = checkAllReducer(initialCheckAll, { type: 'plan', files: N, bytes: N * 10 });
    const BATCH = 500;
    for (let i = 0; i < N; i += BATCH) {
      s = checkAllReducer(s, { type: 'results', results: Array.from({ length: BATCH }, (_, j) => result(`f${String(i + j).padStart(6, '0')}`)) });
    }
    expect(s.rows).toHaveLength(N);
    expect(checkSummary(s)).toEqual({ same: 0, differs: 0, missing: 0, pending: N });
    const verdicts = ['same', 'differs', 'missing', 'error'] as const;
    for (let i = 0; i < N; i += BATCH) {
      s = checkAllReducer(s, {
        type: 'locals',
        verdicts: Array.from({ length: BATCH }, (_, j) => ({ path: `f${String(i + j).padStart(6, '0')}`, verdict: verdicts[(i + j) % 4]! })),
      });
    }
    // 'error' shows among those that differ.
    expect(checkSummary(s)).toEqual({ same: N / 4, differs: N / 2, missing: N / 4, pending: 0 });
    expect(s.rows[1]).toMatchObject({ path: 'f000001', local: 'differs' });
  });

  it('keeps a batch of verdicts for paths it has not seen out of the counts', () => {
    let s = checkAllReducer(initialCheckAll, { type: 'results', results: [result('a')] });
    s = checkAllReducer(s, {
      type: 'locals',
      verdicts: [
        { path: 'zzz', verdict: 'same' },
        { path: 'a', verdict: 'missing' },
      ],
    });
    expect(checkSummary(s)).toEqual({ same: 0, differs: 0, missing: 1, pending: 0 });
  });
});
