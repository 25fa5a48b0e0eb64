import { describe, expect, it } from 'vitest';
import { checkAllReducer, checkSummary, initialCheckAll, type CheckAllState, type CheckRow } from '../../../src/tui/state/check-all.js';

const result = (path: string, size = 10) => ({ path, md5: 'm'.repeat(32), size, mtimeMs: 0, mtime: '' });

describe('checkAllReducer', () => {
  it('tracks the plan, results and local verdicts', () => {
    let s = checkAllReducer(initialCheckAll(), { type: 'plan', files: 3, bytes: 30 });
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
    let s = initialCheckAll();
    for (const p of ['docs/b.txt', 'a.txt', 'docs/a.txt', 'c.bin']) s = checkAllReducer(s, { type: 'result', result: result(p) });
    s = checkAllReducer(s, { type: 'moveTo', index: 0, height: 2 }); // docs/b.txt, in arrival order
    expect(s.rows.map((r) => r.path)).toEqual(['docs/b.txt', 'a.txt', 'docs/a.txt', 'c.bin']); // still arriving: rows stay put
    s = checkAllReducer(s, { type: 'hashed', height: 2 });
    expect(s.rows.map((r) => r.path)).toEqual(['a.txt', 'c.bin', 'docs/a.txt', 'docs/b.txt']);
    expect(s.rows[s.cursor]?.path).toBe('docs/b.txt');
    expect([s.cursor, s.offset]).toEqual([3, 2]); // scrolled so the cursor's row is on screen
  });

  it('scrolls within the rows', () => {
    let s = initialCheckAll();
    for (let i = 0; i < 10; i++) s = checkAllReducer(s, { type: 'result', result: result(`f${i}`) });
    s = checkAllReducer(s, { type: 'moveTo', index: -1, height: 4 });
    expect([s.cursor, s.offset]).toEqual([9, 6]);
    s = checkAllReducer(s, { type: 'move', delta: -100, height: 4 });
    expect([s.cursor, s.offset]).toEqual([0, 0]);
  });

  it('keeps the error on failure', () => {
    expect(checkAllReducer(initialCheckAll(), { type: 'failed', error: 'gone' })).toMatchObject({ phase: 'failed', error: 'gone' });
  });
});

describe('checkAllReducer at scale', () => {
  it('takes results and verdicts in batches, one pass over the rows each, and keeps the summary without counting', () => {
    const N = 20_000;
    let s = checkAllReducer(initialCheckAll(), { type: 'plan', files: N, bytes: N * 10 });
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
    let s = checkAllReducer(initialCheckAll(), { type: 'results', results: [result('a')] });
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

describe('checkAllReducer does linear work', () => {
  /** A fresh state whose ledger counts every read and write of its elements and length. */
  function counted(): { state: CheckAllState; touches: () => number } {
    let n = 0;
    const rows = new Proxy<CheckRow[]>([], {
      get(target, key, receiver) {
        if (typeof key === 'string' && (key === 'length' || /^\d+$/.test(key))) n++;
        return Reflect.get(target, key, receiver);
      },
      set(target, key, value, receiver) {
        n++;
        return Reflect.set(target, key, value, receiver);
      },
    });
    return { state: { ...initialCheckAll(), rows }, touches: () => n };
  }

  it('20,000 results and verdicts one at a time touch each row a bounded number of times', () => {
    const N = 20_000;
    const { state, touches } = counted();
    let s = checkAllReducer(state, { type: 'plan', files: N, bytes: N * 10 });
    const name = (i: number) => `dir/f${String((i * 7919) % N).padStart(6, '0')}`; // not in path order
    for (let i = 0; i < N; i++) s = checkAllReducer(s, { type: 'result', result: result(name(i)) });
    for (let i = 0; i < N / 2; i++) s = checkAllReducer(s, { type: 'local', path: name(i), verdict: 'same' });
    // The same ledger throughout: no batch copied the rows before it.
    expect(s.rows).toBe(state.rows);
    // A copy per result would be N²/2 = 200,000,000 touches; a pass per batch as many.
    expect(touches()).toBeLessThan(10 * N);
    s = checkAllReducer(s, { type: 'hashed', height: 20 });
    for (let i = N / 2; i < N; i++) s = checkAllReducer(s, { type: 'local', path: name(i), verdict: i % 2 ? 'differs' : 'missing', localMd5: 'x' });
    expect(touches()).toBeLessThan(20 * N);
    expect(checkSummary(s)).toEqual({ same: N / 2, differs: N / 4, missing: N / 4, pending: 0 });
    expect(s.rows.map((r) => r.path)).toEqual([...s.rows.map((r) => r.path)].sort());
    expect(s.version).toBeGreaterThan(2 * N);
  });

  it('shows a file the server could not hash as an error, counted, never compared', () => {
    let s = checkAllReducer(initialCheckAll(), {
      type: 'results',
      results: [
        result('ok.txt'),
        { path: 'secret.bin', md5: '', size: 5, mtimeMs: 0, mtime: '', error: { reason: 'FORBIDDEN', message: 'cannot be read (EACCES)' } },
      ],
    });
    expect(s.rows[1]).toMatchObject({ path: 'secret.bin', local: 'error', error: 'cannot be read (EACCES)' });
    expect(checkSummary(s)).toEqual({ same: 0, differs: 1, missing: 0, pending: 1 });
    s = checkAllReducer(s, { type: 'result', result: result('ok.txt') });
    expect(s.rows).toHaveLength(2); // a repeated result is not a second row
  });

  it('takes results and the verdicts for them in one action: one new state, both applied', () => {
    const before = checkAllReducer(initialCheckAll(), { type: 'results', results: [result('a')] });
    const s = checkAllReducer(before, {
      type: 'batch',
      results: [result('b'), result('c')],
      verdicts: [
        { path: 'a', verdict: 'same' },
        { path: 'c', verdict: 'differs', localMd5: 'x' },
      ],
    });
    expect(s.rows.map((r) => [r.path, r.local])).toEqual([
      ['a', 'same'],
      ['b', 'pending'],
      ['c', 'differs'],
    ]);
    expect(checkSummary(s)).toEqual({ same: 1, differs: 1, missing: 0, pending: 1 });
    expect(s.hashedBytes).toBe(30);
    expect(s.version).toBeGreaterThan(before.version);
  });

  it('keeps the local MD5 only where the copies differ', () => {
    let s = checkAllReducer(initialCheckAll(), { type: 'results', results: [result('a'), result('b')] });
    s = checkAllReducer(s, {
      type: 'locals',
      verdicts: [
        { path: 'a', verdict: 'same', localMd5: 'm'.repeat(32) },
        { path: 'b', verdict: 'differs', localMd5: 'x' },
      ],
    });
    expect(s.rows[0]).not.toHaveProperty('localMd5');
    expect(s.rows[1]).toMatchObject({ localMd5: 'x' });
  });
});
