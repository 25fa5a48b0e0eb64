// The changes a watching client has not been sent yet: coalesced per path,
// never more than the bound, and one rescan once the bound is passed; and the
// gauge that tells a burst the kernel's queue may not have held.

import { describe, expect, it } from 'vitest';
import { BurstGauge, MAX_PENDING_BYTES, PendingChanges } from '../../src/protocol/watch-pending.js';

describe('PendingChanges', () => {
  it('keeps one event per path, in the order first heard; added then changed is still added', () => {
    const p = new PendingChanges('docs', 10);
    p.add('docs/a', 'added');
    p.add('docs/b', 'changed');
    p.add('docs/a', 'changed');
    p.add('docs/b', 'removed');
    p.add('docs/c', 'folder');
    expect(p.size).toBe(3);
    expect(p.take(1 << 20)).toEqual([
      { path: 'docs/a', kind: 'added' },
      { path: 'docs/b', kind: 'removed' },
      { path: 'docs/c', kind: 'folder' },
    ]);
    expect(p.due).toBe(false);
  });

  it('past the bound, holds nothing and answers one rescan of the watched folder', () => {
    const p = new PendingChanges('docs', 4096);
    for (let i = 0; i < 10_000; i++) p.add(`docs/f${i}`, 'added');
    expect(p.size).toBe(0);
    expect(p.peak).toBe(4096);
    expect(p.take(1 << 20)).toEqual([{ path: 'docs', kind: 'rescan', reason: 'behind' }]);
    // Changes after the rescan is taken are news again.
    p.add('docs/late', 'changed');
    expect(p.take(1 << 20)).toEqual([{ path: 'docs/late', kind: 'changed' }]);
  });

  it('bounds the bytes of paths too', () => {
    const p = new PendingChanges('', 1_000_000);
    const long = 'x'.repeat(4000);
    const fit = Math.floor(MAX_PENDING_BYTES / (long.length + 5));
    for (let i = 0; i <= fit + 1; i++) p.add(`${long}${String(i).padStart(5, '0')}`, 'added');
    expect(p.size).toBe(0);
    expect(p.peak).toBeLessThanOrEqual(fit);
    expect(p.take(1 << 20)[0]).toMatchObject({ kind: 'rescan', reason: 'behind' });
  });

  it('hands out batches within the byte budget, the rest kept for the next', () => {
    const p = new PendingChanges('', 100);
    for (let i = 0; i < 50; i++) p.add(`file-${String(i).padStart(3, '0')}`, 'changed');
    const first = p.take(500);
    expect(first.length).toBeGreaterThan(0);
    expect(JSON.stringify(first).length).toBeLessThanOrEqual(500);
    const rest: unknown[] = [];
    while (p.due) rest.push(...p.take(500));
    expect(first.length + rest.length).toBe(50);
  });
});

describe('BurstGauge', () => {
  it('trips once per window when more than its limit arrive within it', () => {
    const g = new BurstGauge(100, 1000);
    const trips = (from: number, n: number, step: number) => Array.from({ length: n }, (_, i) => g.note(from + i * step)).filter(Boolean).length;
    expect(trips(0, 100, 1)).toBe(0);
    expect(trips(100, 50, 1)).toBe(1); // the 101st in the same second
    expect(trips(2000, 100, 1)).toBe(0); // a new window
    // A steady trickle never trips: 100 a second for 10 s.
    expect(trips(5000, 1000, 10.01)).toBe(0);
  });
});
