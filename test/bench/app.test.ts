import { describe, expect, it } from 'vitest';
import { percentile } from '../../src/bench/cases/app.js';

describe('the app case', () => {
  it('reads percentiles by nearest rank', () => {
    const xs = Array.from({ length: 200 }, (_, i) => 200 - i); // 200 … 1, unsorted
    expect(percentile(xs, 50)).toBe(100);
    expect(percentile(xs, 95)).toBe(190);
    expect(percentile(xs, 100)).toBe(200);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});
