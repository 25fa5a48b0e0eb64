import { describe, expect, it } from 'vitest';
import type { Difference, SideState } from '../../src/client/compare.js';
import { planSync, planTotals } from '../../src/client/sync-plan.js';

const file = (size: number, mtimeMs = 1000, blake3?: string): SideState => ({ type: 'file', size, mtimeMs, ...(blake3 ? { blake3 } : {}) });
const dir: SideState = { type: 'dir', size: 0, mtimeMs: 1000 };
const H = (c: string) => c.repeat(64);

describe('planSync', () => {
  it('does nothing for identical trees', () => {
    expect(planSync([{ path: 'a', category: 'identical', remote: file(1), local: file(1) }], { direction: 'pull' })).toEqual([]);
  });

  it('deletes only with --delete, first, and a folder whole', () => {
    const diffs: Difference[] = [
      { path: 'A.txt', category: 'remote-only', remote: file(3), caseOf: 'a.txt' },
      { path: 'a.txt', category: 'local-only', local: file(3), caseOf: 'A.txt' },
      { path: 'old', category: 'local-only', local: dir },
      { path: 'old/x', category: 'local-only', local: file(1) },
    ];
    expect(planSync(diffs, { direction: 'pull' }).map((a) => a.kind)).toEqual(['copy']);
    const plan = planSync(diffs, { direction: 'pull', delete: true });
    // The case-only rename: the old name goes before the new one arrives.
    expect(plan.map((a) => `${a.kind} ${a.path}`)).toEqual(['delete a.txt', 'delete old', 'copy A.txt']);
  });

  it('makes folders before it copies, and only sets the time where only the time differs', () => {
    const plan = planSync(
      [
        { path: 'd', category: 'remote-only', remote: dir },
        { path: 'd/f', category: 'remote-only', remote: file(2) },
        { path: 't', category: 'time', remote: file(2, 5000, H('a')), local: file(2, 1000, H('a')) },
      ],
      { direction: 'pull' },
    );
    expect(plan).toEqual([
      { kind: 'mkdir', path: 'd', mtimeMs: 1000 },
      { kind: 'copy', path: 'd/f', size: 2, mtimeMs: 1000, why: 'missing' },
      { kind: 'touch', path: 't', mtimeMs: 5000 },
    ]);
  });

  it('takes a change made only at the source, and calls one made at the destination too a conflict', () => {
    const diffs: Difference[] = [
      { path: 'source-changed', category: 'differs', remote: file(2, 2000, H('b')), local: file(2, 1000, H('a')) },
      { path: 'both-changed', category: 'differs', remote: file(2, 2000, H('b')), local: file(2, 1500, H('c')) },
    ];
    const last = new Map([
      ['source-changed', { size: 2, mtimeMs: 1000, blake3: H('a') }],
      ['both-changed', { size: 2, mtimeMs: 1000, blake3: H('a') }],
    ]);
    const plan = planSync(diffs, { direction: 'pull', last });
    expect(plan.map((a) => `${a.kind} ${a.path}`)).toEqual(['copy source-changed', 'skip both-changed']);
    expect(planTotals(plan)).toMatchObject({ copies: 1, conflicts: 1 });
    // Without any record (a first sync), every difference is a conflict.
    expect(planTotals(planSync(diffs, { direction: 'pull' })).conflicts).toBe(2);
    // The policies.
    expect(planSync(diffs, { direction: 'pull', conflicts: 'overwrite' }).map((a) => a.kind)).toEqual(['copy', 'copy']);
    expect(planSync(diffs, { direction: 'pull', conflicts: 'skip' }).map((a) => a.kind)).toEqual(['skip', 'skip']);
    expect(planSync(diffs, { direction: 'pull', conflicts: 'newer' }).map((a) => a.kind)).toEqual(['copy', 'copy']);
    expect(planSync(diffs, { direction: 'push', conflicts: 'newer' }).map((a) => a.kind)).toEqual(['skip', 'skip']);
    expect(planSync(diffs, { direction: 'pull', conflicts: 'keep-both' })).toMatchObject([{ keepBoth: true }, { keepBoth: true }]);
  });

  it('replaces a folder by a file (and back) only with --delete', () => {
    const diffs: Difference[] = [
      { path: 'x', category: 'type', remote: file(4), local: dir },
      { path: 'x/inner', category: 'local-only', local: file(1) },
    ];
    expect(planSync(diffs, { direction: 'pull' })).toMatchObject([{ kind: 'skip', path: 'x', conflict: true }]);
    expect(planSync(diffs, { direction: 'pull', delete: true }).map((a) => `${a.kind} ${a.path}`)).toEqual(['delete x', 'copy x']);
  });

  it('reports unreadable paths as errors and leaves them', () => {
    const plan = planSync([{ path: 'u', category: 'unreadable', remote: file(1), local: { ...file(0), error: 'permission denied' } }], { direction: 'pull' });
    expect(plan).toEqual([{ kind: 'skip', path: 'u', why: 'permission denied', error: true }]);
  });
});
