import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntervalSet } from '../../src/protocol/udp-intervals.js';

describe('IntervalSet', () => {
  it('merges touching and overlapping intervals and reports only the new parts', () => {
    const s = new IntervalSet();
    const fresh: [number, number][] = [];
    const add = (a: number, b: number) => s.add(a, b, (x, y) => fresh.push([x, y]));
    add(10, 20);
    add(30, 40);
    add(20, 25); // touches [10,20)
    add(5, 45); // covers everything
    expect(s.toArray()).toEqual([{ start: 5, end: 45 }]);
    expect(fresh).toEqual([
      [10, 20],
      [30, 40],
      [20, 25],
      [5, 10],
      [25, 30],
      [40, 45],
    ]);
    add(6, 9);
    expect(fresh).toHaveLength(6); // nothing new
    s.dropBelow(8);
    expect(s.toArray()).toEqual([{ start: 8, end: 45 }]);
    s.dropBelow(50);
    expect(s.size).toBe(0);
  });

  it('agrees with a plain set of numbers (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 30 }), fc.boolean()), { maxLength: 60 }), (ops) => {
        const s = new IntervalSet();
        const model = new Set<number>();
        let floor = 0;
        for (const [a, len, drop] of ops) {
          if (drop) {
            floor = Math.max(floor, a);
            s.dropBelow(floor);
            for (const x of [...model]) if (x < floor) model.delete(x);
            continue;
          }
          const start = Math.max(a, floor);
          const reported: number[] = [];
          s.add(start, start + len, (x, y) => {
            for (let i = x; i < y; i++) reported.push(i);
          });
          const expected: number[] = [];
          for (let i = start; i < start + len; i++) if (!model.has(i)) expected.push(i), model.add(i);
          expect(reported).toEqual(expected);
          const list = s.toArray();
          const flat = list.flatMap((r) => Array.from({ length: r.end - r.start }, (_, k) => r.start + k));
          expect(flat).toEqual([...model].sort((x, y) => x - y));
          for (let k = 1; k < list.length; k++) expect(list[k]!.start).toBeGreaterThan(list[k - 1]!.end);
        }
      }),
    );
  });
});
