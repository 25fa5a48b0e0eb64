import { describe, expect, it } from 'vitest';
import { buildView, clampOffset, initialPane, paneReducer, parentPath, selectedEntry, targetEntries, type PaneState } from '../../../src/tui/state/pane.js';
import { makeEntry } from '../../helpers/fake-client.js';

const entries = [
  makeEntry('b.txt', 'file', 300, 3000),
  makeEntry('a.txt', 'file', 100, 2000),
  makeEntry('zdir', 'dir', 0, 1000),
  makeEntry('.env', 'file', 5, 5000),
  makeEntry('adir', 'dir', 0, 4000),
  makeEntry('c10.txt', 'file', 200, 1000),
  makeEntry('c9.txt', 'file', 200, 1000),
];

function loaded(path = '', es = entries): PaneState {
  return paneReducer({ ...initialPane('remote'), path }, { type: 'loaded', entries: es });
}

const names = (s: PaneState) => s.view.map((e) => e.name);

describe('pane view', () => {
  it('puts folders first, sorts names naturally and hides dotfiles', () => {
    expect(names(loaded())).toEqual(['adir', 'zdir', 'a.txt', 'b.txt', 'c9.txt', 'c10.txt']);
  });

  it('cycles sort name → size → time and keeps folders first', () => {
    let s = paneReducer(loaded(), { type: 'cycleSort' });
    expect(s.sort).toBe('size');
    expect(names(s)).toEqual(['adir', 'zdir', 'a.txt', 'c9.txt', 'c10.txt', 'b.txt']);
    s = paneReducer(s, { type: 'cycleSort' });
    expect(s.sort).toBe('time');
    expect(names(s).slice(2)).toEqual(['c9.txt', 'c10.txt', 'a.txt', 'b.txt']);
    s = paneReducer(s, { type: 'reverse' });
    expect(names(s)).toEqual(['adir', 'zdir', 'b.txt', 'a.txt', 'c10.txt', 'c9.txt']);
    expect(paneReducer(s, { type: 'cycleSort' }).sort).toBe('name');
  });

  it('shows hidden files on toggle and keeps the cursor on the same entry', () => {
    let s = paneReducer(loaded(), { type: 'moveTo', index: 3, height: 10 });
    expect(selectedEntry(s)?.name).toBe('b.txt');
    s = paneReducer(s, { type: 'toggleHidden' });
    expect(names(s)).toContain('.env');
    expect(selectedEntry(s)?.name).toBe('b.txt');
  });

  it("adds '..' below the root but not in search results", () => {
    expect(names(loaded('sub'))[0]).toBe('..');
    const s = { ...initialPane('remote'), path: 'sub', filters: { keyword: 'x' } };
    expect(buildView({ ...s, entries }).map((e) => e.name)).not.toContain('..');
  });
});

describe('pane navigation', () => {
  it('clamps the cursor and scrolls the window to keep it visible', () => {
    let s = loaded();
    s = paneReducer(s, { type: 'move', delta: -5, height: 3 });
    expect(s.cursor).toBe(0);
    s = paneReducer(s, { type: 'move', delta: 4, height: 3 });
    expect([s.cursor, s.offset]).toEqual([4, 2]);
    s = paneReducer(s, { type: 'moveTo', index: -1, height: 3 });
    expect([s.cursor, s.offset]).toEqual([5, 3]);
    s = paneReducer(s, { type: 'moveTo', index: 0, height: 3 });
    expect([s.cursor, s.offset]).toEqual([0, 0]);
  });

  it('handles 100,000 entries with constant-size windows', () => {
    const many = Array.from({ length: 100_000 }, (_, i) => makeEntry(`f${String(i).padStart(6, '0')}.dat`, 'file', i));
    let s = loaded('', many);
    s = paneReducer(s, { type: 'move', delta: 50_000, height: 20 });
    expect(s.cursor).toBe(50_000);
    expect(s.offset).toBe(50_000 - 19);
    s = paneReducer(s, { type: 'moveTo', index: -1, height: 20 });
    expect(s.offset).toBe(100_000 - 20);
  });

  it('clampOffset survives a shrinking window', () => {
    expect(clampOffset(10, 0, 5, 20)).toBe(6);
    expect(clampOffset(10, 8, 20, 20)).toBe(0);
    expect(clampOffset(0, 3, 5, 0)).toBe(0);
  });

  it('cd resets the cursor and ends a search (leaving a folder ends its filters); parent goes up', () => {
    let s = paneReducer(loaded('a/b'), { type: 'setFilters', filters: { keyword: 'k', ext: '.txt', name: 'x' } });
    s = paneReducer(s, { type: 'cd', path: 'a/b/c' });
    expect(s.path).toBe('a/b/c');
    expect(s.filters).toEqual({});
    expect(s.cursor).toBe(0);
    s = paneReducer(s, { type: 'parent' });
    expect(s.path).toBe('a/b');
    expect(paneReducer(initialPane('local'), { type: 'parent' }).path).toBe('');
    expect(parentPath('a')).toBe('');
  });
});

describe('marks', () => {
  it('toggles a file mark, moves down, skips folders, and targets marked files', () => {
    let s = loaded();
    s = paneReducer(s, { type: 'toggleMark', height: 10 }); // adir: a folder, not marked
    expect(s.marked.size).toBe(0);
    s = paneReducer(s, { type: 'moveTo', index: 2, height: 10 });
    s = paneReducer(s, { type: 'toggleMark', height: 10 });
    s = paneReducer(s, { type: 'toggleMark', height: 10 });
    expect([...s.marked].sort()).toEqual(['a.txt', 'b.txt']);
    expect(targetEntries(s).map((e) => e.path)).toEqual(['a.txt', 'b.txt']);
    s = paneReducer(s, { type: 'moveTo', index: 2, height: 10 });
    s = paneReducer(s, { type: 'toggleMark', height: 10 });
    expect([...s.marked]).toEqual(['b.txt']);
    expect(paneReducer(s, { type: 'clearMarks' }).marked.size).toBe(0);
  });

  it('without marks targets the selected file only, never a folder', () => {
    const s = loaded();
    expect(targetEntries(s)).toEqual([]);
    expect(targetEntries(paneReducer(s, { type: 'moveTo', index: 3, height: 5 })).map((e) => e.name)).toEqual(['b.txt']);
  });

  it('drops marks for entries gone after a reload', () => {
    let s = paneReducer(loaded(), { type: 'moveTo', index: 2, height: 10 });
    s = paneReducer(s, { type: 'toggleMark', height: 10 });
    s = paneReducer(s, { type: 'loaded', entries: entries.filter((e) => e.name !== 'a.txt') });
    expect(s.marked.size).toBe(0);
  });
});

describe('loading and verification marks', () => {
  it('records a failure with an empty listing', () => {
    const s = paneReducer(loaded(), { type: 'failed', error: 'refused' });
    expect(s.error).toBe('refused');
    expect(s.view).toEqual([]);
  });

  it('setFilters and refresh bump the reload counter', () => {
    const s = loaded();
    expect(paneReducer(s, { type: 'refresh' }).reload).toBe(s.reload + 1);
    expect(paneReducer(s, { type: 'setFilters', filters: { ext: '.jpg' } }).reload).toBe(s.reload + 1);
  });

  it('keeps verification marks by path', () => {
    let s = paneReducer(loaded(), { type: 'verify', path: 'a.txt', mark: 'same' });
    s = paneReducer(s, { type: 'verifyMany', marks: [['b.txt', 'differs']] });
    expect(s.verify.get('a.txt')).toBe('same');
    expect(s.verify.get('b.txt')).toBe('differs');
    expect(paneReducer(s, { type: 'verify', path: 'a.txt', mark: null }).verify.has('a.txt')).toBe(false);
  });
});

describe('totals', () => {
  it('counts rows and file bytes of the view, not the parent row nor hidden files', () => {
    const s = loaded('sub');
    expect(s.totals).toEqual({ items: 6, bytes: 100 + 300 + 200 + 200 });
    expect(paneReducer(s, { type: 'toggleHidden' }).totals).toEqual({ items: 7, bytes: 805 });
    expect(paneReducer(s, { type: 'failed', error: 'x' }).totals).toEqual({ items: 0, bytes: 0 });
  });
});

describe('mark all', () => {
  it('marks every file shown, and clears on the second press', () => {
    let s = paneReducer(loaded(), { type: 'markAll' });
    expect([...s.marked].sort()).toEqual(['a.txt', 'b.txt', 'c10.txt', 'c9.txt']);
    s = paneReducer(s, { type: 'markAll' });
    expect(s.marked.size).toBe(0);
  });
});

describe('going up', () => {
  it('puts the cursor on the folder just left', () => {
    let s = paneReducer(loaded('zdir'), { type: 'parent' });
    expect(s.path).toBe('');
    s = paneReducer(s, { type: 'loaded', entries });
    expect(selectedEntry(s)?.name).toBe('zdir');
    expect(s.reselect).toBeUndefined();
  });
});

describe('a listing that fails', () => {
  it('keeps the place: once listed again, the cursor is back on the same entry', () => {
    let s = paneReducer(loaded('docs'), { type: 'moveTo', index: 4, height: 10 });
    expect(selectedEntry(s)?.name).toBe('b.txt');
    s = paneReducer(s, { type: 'refresh' });
    s = paneReducer(s, { type: 'failed', error: 'connection lost' });
    expect(s.error).toBe('connection lost');
    s = paneReducer(s, { type: 'loaded', entries });
    expect(selectedEntry(s)?.name).toBe('b.txt');
  });

  it('does not carry that place into another folder', () => {
    let s = paneReducer(loaded('docs'), { type: 'moveTo', index: 4, height: 10 });
    s = paneReducer(s, { type: 'failed', error: 'connection lost' });
    s = paneReducer(s, { type: 'cd', path: 'docs/adir' });
    s = paneReducer(s, { type: 'loaded', entries: [makeEntry('docs/adir/b.txt', 'file', 1, 1), makeEntry('docs/adir/a.txt', 'file', 1, 1)] });
    expect(s.cursor).toBe(0);
  });
});

describe('searches and streamed rows', () => {
  it('narrows the view by name without a new listing, smart case, keeping the cursor on its row while it matches', () => {
    let s = paneReducer(loaded('x'), { type: 'moveTo', index: 4, height: 10 });
    const at = s.view[s.cursor]!.name;
    const reload = s.reload;
    s = paneReducer(s, { type: 'nameFilter', name: at.slice(0, 1) });
    expect(s.reload).toBe(reload);
    expect(s.view[s.cursor]!.name).toBe(at);
    expect(names(paneReducer(s, { type: 'nameFilter', name: 'DIR' }))).toEqual(['..']);
    expect(names(paneReducer(s, { type: 'nameFilter', name: 'dir' }))).toEqual(['..', 'adir', 'zdir']);
    expect(paneReducer(s, { type: 'nameFilter', name: '' }).filters.name).toBeUndefined();
  });

  it('shows rows as they come, still loading, and keeps the place to return to until the end', () => {
    let s = paneReducer(loaded('a/b'), { type: 'parent' });
    expect(s.reselect).toBe('a/b');
    s = paneReducer(s, { type: 'partial', entries: [makeEntry('a/c', 'dir')] });
    expect(s.loading).toBe(true);
    expect(s.reselect).toBe('a/b');
    s = paneReducer(s, { type: 'loaded', entries: [makeEntry('a/c', 'dir'), makeEntry('a/b', 'dir')] });
    expect(s.view[s.cursor]!.path).toBe('a/b');
    expect(s.loading).toBe(false);
  });

  it('reveal goes to a result in its folder, ends the search and lists again even in the same folder', () => {
    let s = paneReducer(loaded('docs'), { type: 'setFilters', filters: { ext: '.txt' } });
    const reload = s.reload;
    s = paneReducer(s, { type: 'reveal', path: 'docs/a.txt' });
    expect(s).toMatchObject({ path: 'docs', filters: {}, reselect: 'docs/a.txt', loading: true });
    expect(s.reload).toBe(reload + 1);
    s = paneReducer(s, { type: 'loaded', entries: [makeEntry('docs/b.txt', 'file'), makeEntry('docs/a.txt', 'file')] });
    expect(s.view[s.cursor]!.path).toBe('docs/a.txt');
  });
});
