import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeadlineTimer } from '../../src/transport/deadline-timer.js';

describe('DeadlineTimer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('fires once at the earliest deadline asked for', () => {
    const fired: number[] = [];
    const t = new DeadlineTimer(() => fired.push(Date.now()));
    const t0 = Date.now();
    t.set(50, 0);
    t.set(20, 0); // earlier: re-armed
    t.set(80, 0); // later: the 20 ms wake-up is kept
    vi.advanceTimersByTime(19);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([t0 + 20]);
    vi.advanceTimersByTime(100);
    expect(fired).toHaveLength(1); // the later deadlines were folded into the earlier one
  });

  it('can be armed again after firing, and cleared', () => {
    let fired = 0;
    const t = new DeadlineTimer(() => fired++);
    t.set(5, 0);
    vi.advanceTimersByTime(5);
    t.set(10, 5);
    t.clear();
    vi.advanceTimersByTime(50);
    expect(fired).toBe(1);
  });

  it('waits at least a millisecond for a deadline already due', () => {
    let fired = 0;
    const t = new DeadlineTimer(() => fired++);
    t.set(3, 10);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(1);
  });
});
