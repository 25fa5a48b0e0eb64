// The many-small-files case: the tree it makes (1–16 KiB, every file
// different, sizes and MD5s recorded), the check every copy must pass (the
// same files, each with the right size and MD5, nothing stray), ferry's own
// per-file verdicts, and the default --transfers row first.

import { cp, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFerryTree, checkTree, transfersOrder } from '../../src/bench/cases/small.js';
import { filesUnder, makeSmallTree, md5File, SMALL_PER_FOLDER } from '../../src/bench/data.js';
import type { RunResult } from '../../src/bench/proc.js';
import { formatRate } from '../../src/bench/table.js';
import { scratchDir } from '../helpers/scratch.js';

const KiB = 1024;
const COUNT = SMALL_PER_FOLDER + 200;

const ran = (stdout: string): RunResult => ({ seconds: 1, code: 0, signal: null, stdout, stderr: '', peakRss: 0, timedOut: false });

async function tree() {
  const dir = await scratchDir();
  return { dir, tree: await makeSmallTree(join(dir, 'share', 'small'), COUNT) };
}

describe('makeSmallTree', () => {
  it('writes files of 1–16 KiB in folders of a thousand, each recorded with its size and MD5', async () => {
    const { tree: t } = await tree();
    expect(t.files).toHaveLength(COUNT);
    expect((await filesUnder(t.root)).sort()).toEqual([...t.files].sort());
    expect(new Set(t.files.map((f) => f.split('/')[0]))).toEqual(new Set(['d00', 'd01']));
    const sizes = [...t.sizes!.values()];
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(KiB);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(16 * KiB);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(t.bytes);
    // Spread over the range, not bunched: the mean is near 8.5 KiB.
    expect(t.bytes / COUNT).toBeGreaterThan(7.5 * KiB);
    expect(t.bytes / COUNT).toBeLessThan(9.5 * KiB);
    for (const rel of [t.files[0]!, t.files[777]!, t.files[COUNT - 1]!]) expect(await md5File(join(t.root, rel))).toBe(t.md5.get(rel));
    // Slices of one pool at varying offsets: no two files alike.
    expect(new Set(t.md5.values()).size).toBe(COUNT);
  });
});

describe('checkTree', () => {
  it('passes a faithful copy', async () => {
    const { dir, tree: t } = await tree();
    await cp(t.root, join(dir, 'copy'), { recursive: true });
    expect(await checkTree(t, join(dir, 'copy'))).toBeUndefined();
  });

  it('names a missing, a stray, a short and a changed file, and a copy that never arrived', async () => {
    const { dir, tree: t } = await tree();
    const copy = join(dir, 'copy');
    expect(await checkTree(t, copy)).toBe('copy did not arrive');
    await cp(t.root, copy, { recursive: true });
    await rm(join(copy, t.files[5]!));
    expect(await checkTree(t, copy)).toBe(`${COUNT - 1} of ${COUNT} files arrived`);
    await writeFile(join(copy, 'd00', '.f000005.bin.ferry-part'), 'x');
    expect(await checkTree(t, copy)).toBe('a file the source does not have arrived: d00/.f000005.bin.ferry-part');
    await rm(join(copy, 'd00', '.f000005.bin.ferry-part'));
    await cp(join(t.root, t.files[5]!), join(copy, t.files[5]!));

    const short = t.files[1100]!;
    await truncate(join(copy, short), t.sizes!.get(short)! - 1);
    expect(await checkTree(t, copy)).toBe(`${short} has ${t.sizes!.get(short)! - 1} bytes, source ${t.sizes!.get(short)}`);
    await cp(join(t.root, short), join(copy, short));

    const changed = t.files[42]!;
    await writeFile(join(copy, changed), Buffer.alloc(t.sizes!.get(changed)!, 1));
    expect(await checkTree(t, copy)).toBe(`${changed}: MD5 differs from the source`);
  });
});

describe('checkFerryTree', () => {
  it("takes ferry's verdicts only when every file is verified with the source's MD5", async () => {
    const { tree: t } = await tree();
    const files = t.files.map((rel) => ({ path: `small/${rel}`, md5: t.md5.get(rel), verified: true }));
    expect(checkFerryTree(t, 'small', ran(JSON.stringify({ verified: true, files })))).toBeUndefined();
    expect(checkFerryTree(t, 'small', ran('ferry: cannot connect'))).toBe('ferry printed no JSON result');
    expect(checkFerryTree(t, 'small', ran(JSON.stringify({ verified: false, files })))).toBe('ferry did not report the folder as verified');
    expect(checkFerryTree(t, 'small', ran(JSON.stringify({ verified: true, files: files.slice(1) })))).toBe(
      `ferry reported ${COUNT - 1} files, expected ${COUNT}`,
    );
    const bad = files.map((f, i) => (i === 3 ? { ...f, md5: '0'.repeat(32) } : f));
    expect(checkFerryTree(t, 'small', ran(JSON.stringify({ verified: true, files: bad })))).toBe(
      `ferry reported MD5 ${'0'.repeat(32)} for ${t.files[3]}, source is ${t.md5.get(t.files[3]!)}`,
    );
    const unverified = files.map((f, i) => (i === 9 ? { ...f, verified: false } : f));
    expect(checkFerryTree(t, 'small', ran(JSON.stringify({ verified: true, files: unverified })))).toBe(`ferry did not report ${t.files[9]} as verified`);
  });

  it("takes the CLI's counts only when every file was fetched and the folder verified", async () => {
    const { tree: t } = await tree();
    const counts = { files: COUNT, fetched: COUNT, identical: 0, skipped: 0, failed: 0 };
    expect(checkFerryTree(t, 'small', ran(JSON.stringify({ verified: true, counts })))).toBeUndefined();
    expect(checkFerryTree(t, 'small', ran(JSON.stringify({ verified: false, counts })))).toBe('ferry did not report the folder as verified');
    expect(checkFerryTree(t, 'small', ran(JSON.stringify({ verified: true, counts: { ...counts, fetched: COUNT - 1, identical: 1 } })))).toBe(
      `ferry reported ${COUNT - 1} of ${COUNT} files fetched, expected ${COUNT}`,
    );
  });
});

describe('transfersOrder', () => {
  it('puts the default first, the comparison every peer is measured against', () => {
    expect(transfersOrder([1, 4, 8], 4)).toEqual([4, 1, 8]);
    expect(transfersOrder([1, 4, 8], 8)).toEqual([8, 1, 4]);
    expect(transfersOrder([1, 4, 8], 2)).toEqual([2, 1, 4, 8]);
  });
});

describe('formatRate in files/s', () => {
  it('keeps the difference between a few hundred and a few thousand files a second', () => {
    expect(formatRate(265.4, 'files/s')).toBe('265 files/s');
    expect(formatRate(3940, 'files/s')).toBe('3.9 k files/s');
    expect(formatRate(58_200, 'files/s')).toBe('58 k files/s');
    expect(formatRate(1_234_000, 'files/s')).toBe('1.23 M files/s');
  });
});
