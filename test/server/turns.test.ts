import { describe, expect, it } from 'vitest';
import { Turns } from '../../src/server/turns.js';

describe('Turns', () => {
  it('runs at most its size at once and hands each turn on in order', async () => {
    const slots = new Turns(2);
    const signal = new AbortController().signal;
    const started: number[] = [];
    const releases: Array<() => void> = [];
    const waits = [0, 1, 2, 3].map((n) => slots.acquire(signal).then((release) => (started.push(n), releases.push(release))));
    await Promise.all(waits.slice(0, 2));
    expect(started).toEqual([0, 1]);
    releases[0]!();
    releases[0]!(); // giving a turn back twice gives it back once
    await waits[2];
    expect(started).toEqual([0, 1, 2]);
    releases[1]!();
    await waits[3];
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it('drops a waiter whose request is cancelled, without losing the turn', async () => {
    const slots = new Turns(1);
    const first = await slots.acquire(new AbortController().signal);
    const cancelled = new AbortController();
    const waiting = slots.acquire(cancelled.signal);
    const later = slots.acquire(new AbortController().signal);
    cancelled.abort(new Error('cancelled by the client'));
    await expect(waiting).rejects.toThrow(/cancelled by the client/);
    first();
    const release = await later;
    release();
    // The one turn is free again.
    (await slots.acquire(new AbortController().signal))();
  });
});
