// The resume case cuts a download when its partial file holds half the
// source: what counts as held must be bytes really written, whatever the
// partial file is called, and never the finished file or a JSON sidecar.

import { open, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { partBytes } from '../../src/bench/cases/resume.js';
import { scratchDir } from '../helpers/scratch.js';

const MiB = 2 ** 20;

describe('partBytes', () => {
  it('counts a partial file written from the start', async () => {
    const dest = await scratchDir();
    await writeFile(join(dest, '.big.bin.ferry-part'), Buffer.alloc(3 * MiB, 7));
    await writeFile(join(dest, '.big.bin.ferry-part.json'), '{}'.repeat(4 * MiB));
    expect(await partBytes(dest, 'big.bin')).toBe(3 * MiB);
  });

  it('does not count a preallocated or sparse partial file as full', async () => {
    const dest = await scratchDir();
    const part = join(dest, '.big.bin.landing');
    await writeFile(part, '');
    await truncate(part, 64 * MiB);
    const fh = await open(part, 'r+');
    await fh.write(Buffer.alloc(MiB, 1), 0, MiB, 10 * MiB);
    await fh.close();
    const held = await partBytes(dest, 'big.bin');
    expect(held).toBeGreaterThanOrEqual(MiB);
    expect(held).toBeLessThan(4 * MiB);
  });

  it('ignores the finished file, other files and a missing folder', async () => {
    const dest = await scratchDir();
    await writeFile(join(dest, 'big.bin'), Buffer.alloc(MiB));
    await writeFile(join(dest, 'other.bin.part'), Buffer.alloc(MiB));
    expect(await partBytes(dest, 'big.bin')).toBe(0);
    expect(await partBytes(join(dest, 'gone'), 'big.bin')).toBe(0);
  });
});
