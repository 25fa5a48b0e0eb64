import { describe, expect, it } from 'vitest';
import { emptyHistory, goBack, goForward, HISTORY_LIMIT, type NavHistory, visit } from '../../../src/tui/state/nav-history.js';

describe('pane history', () => {
  it('goes back and forward like a browser', () => {
    // '' → a → a/b
    let h = visit(visit(emptyHistory, ''), 'a');
    const back = goBack(h, 'a/b');
    expect(back?.to).toBe('a');
    h = back!.history;
    const back2 = goBack(h, 'a');
    expect(back2?.to).toBe('');
    expect(goBack(back2!.history, '')).toBeNull();
    const fwd = goForward(back2!.history, '');
    expect(fwd?.to).toBe('a');
    const fwd2 = goForward(fwd!.history, 'a');
    expect(fwd2?.to).toBe('a/b');
    expect(goForward(fwd2!.history, 'a/b')).toBeNull();
  });

  it('drops the forward list when going somewhere new', () => {
    const h = visit(visit(emptyHistory, ''), 'a');
    const back = goBack(h, 'a/b')!;
    expect(back.history.forward).toEqual(['a/b']);
    const moved = visit(back.history, 'a');
    expect(moved.forward).toEqual([]);
    expect(goForward(moved, 'c')).toBeNull();
    expect(goBack(moved, 'c')?.to).toBe('a');
  });

  it('keeps at most the limit, dropping the oldest', () => {
    let h = emptyHistory;
    for (let i = 0; i < HISTORY_LIMIT + 50; i++) h = visit(h, `d${i}`);
    expect(h.back).toHaveLength(HISTORY_LIMIT);
    expect(h.back[0]).toBe('d50');
    expect(visit(h, 'x', 3).back).toEqual([`d${HISTORY_LIMIT + 48}`, `d${HISTORY_LIMIT + 49}`, 'x']);
    // Forward is bounded the same way.
    let f: NavHistory = { back: Array.from({ length: 10 }, (_, i) => `b${i}`), forward: [] };
    for (let i = 0; i < 10; i++) f = goBack(f, `c${i}`, 4)!.history;
    expect(f.forward).toHaveLength(4);
  });
});
