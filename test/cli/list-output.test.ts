// `ferry index` prints a listing of any size in bounded memory: the output is
// exactly what printing the whole sorted listing gave, while at most a run of
// entries is held (larger listings are sorted through temp files).

import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { showList } from '../../src/cli/actions.js';
import { entryJson, entryLines } from '../../src/cli/print.js';
import { renderTable } from '../../src/cli/table.js';
import { sortListing } from '../../src/client/listing-order.js';
import { LINE_ENTRIES, type SortedListing } from '../../src/client/sorted-listing.js';
import type { Entry, ListOptions, ListStream } from '../../src/client/types.js';
import { scratchDir } from '../helpers/scratch.js';
import { fakeIo } from './fake-io.js';

function listing(count: number): Entry[] {
  const out: Entry[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const folder = `Dir${i % 7}/sub${i % 3}`;
    const name = i % 11 === 0 ? `Folder${i}` : `file ${i}.TXT`;
    out.push({
      path: `${folder}/${name}`,
      name,
      ext: '.txt',
      size: i * 10,
      mtimeMs: 1.7e12 + i,
      mtime: new Date(1.7e12 + i).toISOString(),
      type: i % 11 === 0 ? 'dir' : 'file',
    });
  }
  return out;
}

/** A server stand-in that streams `entries` in batches of 128, in the order given. */
function api(entries: Entry[]) {
  return {
    async listStream(_options: ListOptions, stream: ListStream): Promise<number> {
      for (let i = 0; i < entries.length; i += 128) stream.onBatch(entries.slice(i, i + 128));
      return entries.length;
    },
  };
}

describe('showList', () => {
  it.each([true, false])('prints a listing larger than its run as the whole sorted listing printed (json %s), holding about a run', async (json) => {
    const tmpdir = await scratchDir();
    const entries = listing(3_000);
    const sorted = sortListing([...entries]);
    const io = fakeIo();
    let sorter: SortedListing | undefined;
    const count = await showList(io, api(entries), {}, json, { limits: { runEntries: 250, fanIn: 4, readBytes: 1024, tmpdir }, seen: (s) => (sorter = s) });
    expect(count).toBe(3_000);
    const expected = json ? `${JSON.stringify(sorted.map(entryJson), null, 2)}\n` : `${entryLines(sorted).join('\n')}\n`;
    expect(io.stdoutText()).toBe(expected);
    expect(sorter!.spilled).toBe(11); // the last run is merged from memory
    expect(sorter!.peakHeld).toBeLessThanOrEqual(250 + 4 * LINE_ENTRIES); // a run, and a line of each run read
    expect(sorter!.peakOpen).toBeLessThanOrEqual(4);
    expect(await readdir(tmpdir)).toEqual([]);
  });

  it('renders a table of 200,000 rows (its widths once came from a spread of every cell, past the stack: plain longlist crashed)', () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => i);
    const lines = renderTable([{ header: 'N', value: (n: number) => String(n), align: 'right' }], rows);
    expect(lines).toHaveLength(200_001);
    expect(lines[1]).toBe('     0');
  });

  it('prints an empty listing as before', async () => {
    const plain = fakeIo();
    await showList(plain, api([]), {}, false);
    expect(plain.stdoutText()).toBe(`${entryLines([]).join('\n')}\n`);
    const json = fakeIo();
    await showList(json, api([]), {}, true);
    expect(json.stdoutText()).toBe('[]\n');
  });
});
