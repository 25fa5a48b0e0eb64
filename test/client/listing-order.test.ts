import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareNames, sortListing } from '../../src/client/listing-order.js';

type Row = { path: string; name: string; type: 'file' | 'dir' | 'link' };

/** The order as the notes in listing-order.ts state it, written plainly. */
function reference(rows: Row[]): Row[] {
  const folder = (r: Row) => r.path.split('/').slice(0, -1);
  return [...rows].sort((a, b) => {
    const x = folder(a);
    const y = folder(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const c = compareNames(x[i]!, y[i]!);
      if (c !== 0) return c;
    }
    if (x.length !== y.length) return x.length - y.length;
    const dirs = (a.type === 'dir' ? 0 : 1) - (b.type === 'dir' ? 0 : 1);
    return dirs || compareNames(a.name, b.name);
  });
}

const segment = fc.constantFrom('a', 'A', 'b', 'B', 'ab', 'aB', 'Ab', 'é', 'É', 'z_1', 'Z', '.x');

describe('sortListing', () => {
  it('puts each folder together after its parent, sub-folders first, then names case-insensitively with code-unit ties', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ segments: fc.array(segment, { minLength: 1, maxLength: 4 }), type: fc.constantFrom<Row['type']>('file', 'dir', 'link') }), {
          selector: (r) => r.segments.join('/'),
          maxLength: 60,
        }),
        (specs) => {
          const rows: Row[] = specs.map((s) => ({ path: s.segments.join('/'), name: s.segments.at(-1)!, type: s.type }));
          expect(sortListing([...rows]).map((r) => r.path)).toEqual(reference(rows).map((r) => r.path));
        },
      ),
    );
  });

  it('orders a small tree as people expect', () => {
    const rows: Row[] = ['b.txt', 'A.txt', 'sub/x', 'sub', 'Sub2', 'a.txt', 'sub/deep', 'sub/deep/y'].map((p) => ({
      path: p,
      name: p.split('/').at(-1)!,
      type: ['sub', 'Sub2', 'sub/deep'].includes(p) ? 'dir' : 'file',
    }));
    expect(sortListing(rows).map((r) => r.path)).toEqual(['sub', 'Sub2', 'A.txt', 'a.txt', 'b.txt', 'sub/deep', 'sub/x', 'sub/deep/y']);
  });
});
