// The listing order with bounded memory: the same order as sortListing, while
// holding at most a run of entries and reading at most `fanIn` run files at once.

import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { sortListing } from '../../src/client/listing-order.js';
import { LINE_ENTRIES, SortedListing } from '../../src/client/sorted-listing.js';
import type { Entry } from '../../src/client/types.js';
import { scratchDir } from '../helpers/scratch.js';

/** `count` entries in a scrambled order over nested folders with mixed-case, non-ASCII and awkward names. */
function entries(count: number): Entry[] {
  const names = ['a', 'B', 'b', 'é', 'Z', 'x y', 'q"uote', 'new\nline', '.hid'];
  const out: Entry[] = [];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < count; i++) {
    const depth = next() % 3;
    const folder = Array.from({ length: depth }, () => names[next() % names.length]).join('/');
    const name = `${names[next() % names.length]}${i}`;
    const type = next() % 5 === 0 ? 'dir' : 'file';
    out.push({ path: folder ? `${folder}/${name}` : name, name, ext: '', size: i, mtimeMs: i, mtime: new Date(i).toISOString(), type });
  }
  return out;
}

async function drain(sorter: SortedListing): Promise<Entry[]> {
  const all: Entry[] = [];
  for await (const batch of sorter.sorted()) all.push(...batch);
  return all;
}

describe('SortedListing', () => {
  it('sorts a listing larger than a run through temp files, holding about a run and reading at most fanIn files', async () => {
    const tmpdir = await scratchDir();
    const input = entries(5_000);
    const sorter = new SortedListing({ runEntries: 100, fanIn: 4, readBytes: 1024, tmpdir });
    for (let i = 0; i < input.length; i += 37) sorter.add(input.slice(i, i + 37));
    const sorted = await drain(sorter);
    await sorter.dispose();

    expect(sorted).toEqual(sortListing([...input]));
    expect(sorter.spilled).toBe(49); // the last run is merged from memory
    expect(sorter.peakHeld).toBeLessThanOrEqual(100 + 4 * LINE_ENTRIES); // a run, and a line of each run read
    expect(sorter.peakOpen).toBe(4);
    expect(await readdir(tmpdir)).toEqual([]);
  });

  it('keeps a listing that fits one run in memory, writing nothing', async () => {
    const tmpdir = await scratchDir();
    const input = entries(300);
    const sorter = new SortedListing({ runEntries: 300, fanIn: 2, tmpdir });
    sorter.add(input);
    expect(await drain(sorter)).toEqual(sortListing([...input]));
    expect(sorter.spilled).toBe(0);
    expect(await readdir(tmpdir)).toEqual([]);
    await sorter.dispose();
  });

  it('removes its temp files when the reader stops early', async () => {
    const tmpdir = await scratchDir();
    const sorter = new SortedListing({ runEntries: 50, fanIn: 3, tmpdir });
    sorter.add(entries(1_000));
    expect(await readdir(tmpdir)).toHaveLength(1);
    for await (const _ of sorter.sorted()) break;
    await sorter.dispose();
    expect(await readdir(tmpdir)).toEqual([]);
  });
});
