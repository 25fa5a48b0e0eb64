import { describe, expect, it } from 'vitest';
import { type LineSpec, sameSpec } from '../../src/tui/components/Line.js';
import { Frame } from '../../src/tui/components/Frame.js';
import { render } from '../helpers/render.js';

describe('Frame rows', () => {
  it('specs rebuilt with the same content count as the same; any field differing does not', () => {
    const a: LineSpec = [{ text: 'x', color: 'ok', bold: true }, { text: ' y' }];
    expect(sameSpec(a, [{ text: 'x', color: 'ok', bold: true }, { text: ' y' }])).toBe(true);
    expect(sameSpec(a, [{ text: 'x', color: 'ok' }, { text: ' y' }])).toBe(false);
    expect(sameSpec(a, [{ text: 'x', color: 'error', bold: true }, { text: ' y' }])).toBe(false);
    expect(sameSpec(a, [{ text: 'x', color: 'ok', bold: true }])).toBe(false);
    expect(sameSpec('abc', 'abc')).toBe(true);
    expect(sameSpec('abc', [{ text: 'abc' }])).toBe(false);
  });

  it('a row whose content changes is drawn anew; the others stay as they were', async () => {
    const rows = (sel: number) => Array.from({ length: 4 }, (_, i) => ({ key: `r${i}`, spec: [{ text: `row ${i}` }], inverse: i === sel }));
    const r = render(<Frame width={20} height={6} title="t" rows={rows(0)} />, { columns: 20, rows: 6 });
    try {
      await r.waitFor((f) => f.includes('row 3'));
      r.instance.rerender(
        <Frame width={20} height={6} title="t" rows={[...rows(1).slice(0, 3), { key: 'r3', spec: [{ text: 'row three' }], inverse: false }]} />,
      );
      const f = await r.waitFor((x) => x.includes('row three'));
      const lines = f.split('\n');
      expect(lines[1]).toBe(`│row 0${' '.repeat(13)}│`);
      expect(lines[4]).toBe(`│row three${' '.repeat(9)}│`);
      expect(lines).toHaveLength(6);
    } finally {
      r.unmount();
    }
  });
});
