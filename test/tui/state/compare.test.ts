// The compared panes' model as functions: marks by side, folders summing up
// what is below them, the narrowing predicate, and the sync preview's
// checkboxes and totals; 20,000 compared paths held without copies.

import { describe, expect, it } from 'vitest';
import type { Difference } from '../../../src/client/compare.js';
import type { Entry } from '../../../src/client/types.js';
import { compareResult, differenceOnly, insideCompared, markOf, relativeTo } from '../../../src/tui/state/compare.js';
import { actionWhy, chosenActions, isChecked, planPreview, previewTotals, toggle, toggleAll } from '../../../src/tui/state/sync-preview.js';

const file = (size: number, blake3 = 'b'): Difference['remote'] => ({ type: 'file', size, mtimeMs: 1000, blake3 });
const dir: Difference['remote'] = { type: 'dir', size: 0, mtimeMs: 1000 };
const DIFFS: Difference[] = [
  { path: 'a', category: 'identical', remote: dir, local: dir },
  { path: 'a/b', category: 'identical', remote: dir, local: dir },
  { path: 'a/b/new.txt', category: 'remote-only', remote: file(5) },
  { path: 'a/same.txt', category: 'identical', remote: file(3), local: file(3) },
  { path: 'c', category: 'identical', remote: dir, local: dir },
  { path: 'c/same.txt', category: 'identical', remote: file(3), local: file(3) },
  { path: 'changed.txt', category: 'differs', remote: file(7, 'x'), local: file(6, 'y') },
  { path: 'mine.txt', category: 'local-only', local: file(4) },
  { path: 'touched.txt', category: 'time', remote: file(2), local: { ...file(2)!, mtimeMs: 5000 } },
];
const entry = (path: string, type: 'file' | 'dir' = 'file'): Entry => ({ path, name: path.split('/').pop()!, ext: '', size: 0, mtimeMs: 0, mtime: '', type });

describe('compare marks', () => {
  const r = compareResult({ local: 'home/u/notes', remote: 'notes' }, DIFFS);

  it('marks rows by their category, on the side where they are', () => {
    expect(markOf(r, 'remote', entry('notes/changed.txt'))).toBe('differs');
    expect(markOf(r, 'local', entry('home/u/notes/changed.txt'))).toBe('differs');
    expect(markOf(r, 'local', entry('home/u/notes/mine.txt'))).toBe('only');
    expect(markOf(r, 'remote', entry('notes/mine.txt'))).toBeUndefined();
    expect(markOf(r, 'remote', entry('notes/touched.txt'))).toBe('time');
    expect(markOf(r, 'remote', entry('notes/a/same.txt'))).toBe('same');
  });

  it('marks a folder by what is below it, all the way down', () => {
    expect(markOf(r, 'remote', entry('notes/a', 'dir'))).toBe('below');
    expect(markOf(r, 'remote', entry('notes/a/b', 'dir'))).toBe('below');
    expect(markOf(r, 'local', entry('home/u/notes/c', 'dir'))).toBe('same');
  });

  it('knows which folders are inside the tree compared', () => {
    expect(relativeTo('notes', 'notes/a/b')).toBe('a/b');
    expect(relativeTo('notes', 'notesX/a')).toBeNull();
    expect(insideCompared(r, 'remote', 'notes/a')).toBe(true);
    expect(insideCompared(r, 'local', 'home/u')).toBe(false);
  });

  it('narrows to the differences, keeping the way back up', () => {
    const keep = differenceOnly(r, 'remote');
    expect(keep(entry('notes/a/same.txt'))).toBe(false);
    expect(keep(entry('notes/changed.txt'))).toBe(true);
    expect(keep(entry('notes/a', 'dir'))).toBe(true);
    expect(keep(entry('notes/c', 'dir'))).toBe(false);
    expect(keep({ ...entry('notes'), name: '..' })).toBe(true);
  });

  it('holds 20,000 paths by reference: one map entry each, one set entry per folder with differences', () => {
    const many: Difference[] = [];
    for (let d = 0; d < 200; d++) {
      many.push({ path: `d${d}`, category: 'identical', remote: dir, local: dir });
      for (let f = 0; f < 99; f++)
        many.push({ path: `d${d}/f${f}`, category: f === 0 && d % 2 === 0 ? 'differs' : 'identical', remote: file(1), local: file(1) });
    }
    const big = compareResult({ local: '', remote: '' }, many);
    expect(big.byPath.size).toBe(20_000);
    expect(big.byPath.get('d4/f0')).toBe(many[401]);
    expect(big.differsBelow.size).toBe(100);
    expect(big.summary.counts.differs.entries).toBe(100);
  });
});

describe('sync preview', () => {
  const r = compareResult({ local: '', remote: '' }, DIFFS);

  it('checks copies and folders, leaves a conflict unchecked until asked, and counts what is checked', () => {
    let p = planPreview(r.diffs, 'pull', false);
    const conflict = p.actions.findIndex((a) => a.path === 'changed.txt');
    expect(isChecked(p, conflict, r.byPath)).toBe(false);
    expect(previewTotals(p, r.byPath)).toMatchObject({ files: 1, bytes: 5, touches: 1, deletes: 0 });
    p = toggle(p, conflict, r.byPath);
    expect(chosenActions(p, r.byPath).find((a) => a.path === 'changed.txt')).toEqual({ kind: 'copy', path: 'changed.txt', size: 7, overwrite: true });
    p = toggleAll(p, r.byPath);
    expect(previewTotals(p, r.byPath).files).toBe(0);
    p = toggleAll(p, r.byPath);
    expect(previewTotals(p, r.byPath)).toMatchObject({ files: 2, bytes: 12 });
  });

  it("plans from the pair's last sync: a file here as that sync left it changed at the source and is taken; one changed here stays a conflict", () => {
    const asLeft = planPreview(r.diffs, 'pull', false, new Map([['changed.txt', { size: 6, mtimeMs: 1000, blake3: 'y' }]]));
    const i = asLeft.actions.findIndex((a) => a.path === 'changed.txt');
    expect(asLeft.actions[i]).toMatchObject({ kind: 'copy', why: 'changed at the source' });
    expect(isChecked(asLeft, i, r.byPath)).toBe(true);
    const changedHere = planPreview(r.diffs, 'pull', false, new Map([['changed.txt', { size: 6, mtimeMs: 1000, blake3: 'z' }]]));
    const j = changedHere.actions.findIndex((a) => a.path === 'changed.txt');
    expect(changedHere.actions[j]).toMatchObject({ kind: 'skip', conflict: true });
    expect(actionWhy(changedHere.actions[j]!, r.byPath, changedHere.last)).toBe('differs, changed here since the last sync: check it to overwrite');
  });

  it('deletes only with the toggle on', () => {
    expect(planPreview(r.diffs, 'pull', false).actions.some((a) => a.kind === 'delete')).toBe(false);
    const p = planPreview(r.diffs, 'pull', true);
    expect(chosenActions(p, r.byPath).filter((a) => a.kind === 'delete')).toEqual([{ kind: 'delete', path: 'mine.txt', type: 'file', size: 4 }]);
    const push = planPreview(r.diffs, 'push', true);
    expect(
      chosenActions(push, r.byPath)
        .filter((a) => a.kind === 'delete')
        .map((a) => a.path),
    ).toEqual(['a/b/new.txt']);
  });
});
