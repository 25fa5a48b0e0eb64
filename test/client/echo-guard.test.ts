// What a watching sync wrote, remembered so that seeing it again is no news:
// only the exact identity counts, a change forgets it, and the memory is bounded.

import { describe, expect, it } from 'vitest';
import { EchoGuard } from '../../src/client/echo-guard.js';

describe('EchoGuard', () => {
  it('knows a file the sync wrote by its size and time, and nothing else', () => {
    const g = new EchoGuard();
    g.note('a.txt', { size: 5, mtimeMs: 1000.25 });
    expect(g.isEcho('a.txt', { size: 5, mtimeMs: 1000.25 })).toBe(true);
    expect(g.isEcho('a.txt', { size: 5, mtimeMs: 1000.7 })).toBe(true); // times set through utimes round within a millisecond
    expect(g.isEcho('a.txt', { size: 6, mtimeMs: 1000.25 })).toBe(false);
    expect(g.isEcho('a.txt', { size: 5, mtimeMs: 2000 })).toBe(false);
    expect(g.isEcho('b.txt', { size: 5, mtimeMs: 1000.25 })).toBe(false);
    g.forget('a.txt');
    expect(g.isEcho('a.txt', { size: 5, mtimeMs: 1000.25 })).toBe(false);
  });

  it('holds at most its limit, the oldest going first', () => {
    const g = new EchoGuard(100);
    for (let i = 0; i < 1000; i++) g.note(`f${i}`, { size: i, mtimeMs: i });
    expect(g.size).toBe(100);
    expect(g.isEcho('f899', { size: 899, mtimeMs: 899 })).toBe(false);
    expect(g.isEcho('f900', { size: 900, mtimeMs: 900 })).toBe(true);
    // Noting a path again makes it the newest.
    g.note('f900', { size: 1, mtimeMs: 1 });
    g.note('new', { size: 1, mtimeMs: 1 });
    expect(g.isEcho('f900', { size: 1, mtimeMs: 1 })).toBe(true);
    expect(g.isEcho('f901', { size: 901, mtimeMs: 901 })).toBe(false);
  });
});
