// Durability for a batch of small files with as few sync calls as the
// platform allows: one syncfs shared by everyone waiting (Linux), fsync per
// file otherwise or when that fails. Either way a file takes its name only
// once written whole, and no temp is left behind.

import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilesystemSync, kernelAtLeast, type Syncer } from '../../src/client/fs-sync.js';
import { SmallFileBatch } from '../../src/client/small-files.js';
import { scratchDir } from '../helpers/scratch.js';

const MTIME_MS = 1_600_000_000_000;

describe('kernelAtLeast', () => {
  it('reads the release string', () => {
    expect(kernelAtLeast('5.8.0', 5, 8)).toBe(true);
    expect(kernelAtLeast('6.1.0-18-amd64', 5, 8)).toBe(true);
    expect(kernelAtLeast('5.7.19', 5, 8)).toBe(false);
    expect(kernelAtLeast('4.19.0', 5, 8)).toBe(false);
    expect(kernelAtLeast('weird', 5, 8)).toBe(false);
  });
});

describe('FilesystemSync', () => {
  it('shares one sync among everyone who asks while one runs, and refuses once closed', async (ctx) => {
    const dir = await scratchDir();
    const syncer = FilesystemSync.for(dir);
    if (!syncer) return ctx.skip(); // not Linux 5.8+ on a filesystem known to sync with syncfs
    try {
      await syncer.sync();
      expect(syncer.rounds).toBe(1);
      // One runs; the nine asked meanwhile may have written after it began, so they share the next.
      await Promise.all(Array.from({ length: 10 }, () => syncer.sync()));
      expect(syncer.rounds).toBe(3);
    } finally {
      syncer.close();
    }
    await expect(syncer.sync()).rejects.toThrow(/closed/);
  });
});

/** A syncer that counts its calls and, when told, fails. */
function fakeSyncer(fail = false): Syncer & { calls: number } {
  const s = {
    calls: 0,
    sync: async () => {
      s.calls++;
      if (fail) throw new Error('sync -f failed');
    },
  };
  return s;
}

async function land(dir: string, syncer?: Syncer) {
  const files = Array.from({ length: 40 }, (_, i) => ({ dest: join(dir, `f${i}.bin`), bytes: randomBytes(1 + i * 97) }));
  const batch = new SmallFileBatch(syncer);
  files.forEach((f, i) => batch.add(i, f.dest, f.bytes, MTIME_MS));
  const placed = await batch.finish();
  expect(placed.every((p) => p.ok)).toBe(true);
  for (const f of files) {
    expect((await readFile(f.dest)).equals(f.bytes)).toBe(true);
    expect((await stat(f.dest)).mtimeMs).toBe(MTIME_MS);
  }
  expect((await readdir(dir)).filter((n) => n.endsWith('.ferry-tmp'))).toEqual([]);
}

describe('SmallFileBatch', () => {
  it('makes a batch durable with two syncs, not one a file: the bytes before the names, the names after', async () => {
    const syncer = fakeSyncer();
    await land(await scratchDir(), syncer);
    expect(syncer.calls).toBe(2);
  });

  it('falls back to fsync per file and per folder when the filesystem sync fails', async () => {
    const syncer = fakeSyncer(true);
    await land(await scratchDir(), syncer);
    expect(syncer.calls).toBe(2);
  });

  it('fsyncs each file without a syncer', async () => {
    await land(await scratchDir());
  });

  it('with a real filesystem sync where there is one', async () => {
    const dir = await scratchDir();
    const syncer = FilesystemSync.for(dir);
    try {
      await land(dir, syncer);
    } finally {
      syncer?.close();
    }
  });

  it('leaves nothing behind when abandoned', async () => {
    const dir = await scratchDir();
    const batch = new SmallFileBatch(fakeSyncer());
    batch.add(0, join(dir, 'a.bin'), randomBytes(100), MTIME_MS);
    await batch.abandon();
    expect(await readdir(dir)).toEqual([]);
  });
});
