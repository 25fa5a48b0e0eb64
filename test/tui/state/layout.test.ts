import { describe, expect, it } from 'vitest';
import { computeLayout, paneColumns } from '../../../src/tui/state/layout.js';

describe('computeLayout', () => {
  it('gives every row to a region and never more than the screen', () => {
    for (const [c, r] of [
      [80, 24],
      [120, 36],
      [200, 60],
      [40, 12],
    ] as const) {
      for (const transfers of [0, 1, 3, 20]) {
        for (const [message, stats] of [
          [false, 0],
          [true, 0],
          [false, 1],
          [true, 1],
        ] as const) {
          const l = computeLayout(c, r, transfers, message, 0, stats);
          const used = 1 + l.paneHeight + l.transferHeight + l.messageRows + 1;
          expect(used).toBe(r);
          expect(l.leftWidth + l.rightWidth).toBe(c);
          expect(l.listRows).toBeGreaterThan(0);
        }
      }
    }
  });

  it('shrinks the transfer area on small screens', () => {
    expect(computeLayout(80, 24, 10, false).transferRows).toBe(3);
    expect(computeLayout(120, 36, 10, false).transferRows).toBe(6);
    expect(computeLayout(80, 24, 0, false).transferHeight).toBe(0);
  });

  it('gives the batch its stats row above the transfers, even with no rows left to show', () => {
    expect(computeLayout(80, 24, 10, false, 0, 1)).toMatchObject({ transferRows: 3, transferHeight: 6 });
    expect(computeLayout(80, 24, 0, false, 0, 1)).toMatchObject({ transferRows: 0, transferHeight: 3 });
  });

  it('a dialog takes the transfer area', () => {
    const l = computeLayout(80, 24, 2, false, 6);
    expect(l.transferHeight).toBe(6);
    expect(l.transferRows).toBe(0);
  });
});

describe('paneColumns', () => {
  it('drops the type column first, then the time column', () => {
    expect(paneColumns(58)).toMatchObject({ time: true, type: true });
    expect(paneColumns(44)).toMatchObject({ time: true, type: false });
    expect(paneColumns(38)).toMatchObject({ time: false, type: false });
  });

  it('always fills the inner width exactly', () => {
    for (let inner = 20; inner < 120; inner++) {
      const c = paneColumns(inner);
      const width = 1 + c.name + 1 + 8 + (c.time ? 17 : 0) + (c.type ? 5 : 0) + 2;
      expect(width).toBe(inner);
    }
  });
});
