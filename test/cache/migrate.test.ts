// A cache folder written by version 1 (index and objects keyed by MD5) is
// carried over on first open: entries re-keyed by their BLAKE3 root, or the
// folder rebuilt empty when the old index is unreadable. Never a crash, never
// a hit on content that does not match.

import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DownloadCache, describeRepair } from '../../src/cache/cache.js';
import { exists, expectConsistent, removeTempDirs, rootOf, type Sample, sample, tempDir } from './helpers.js';

afterEach(removeTempDirs);

const LIMIT = 100_000;

/** What version 1 wrote: objects/<md5>, and index.json with version 1 keyed by MD5 (no md5 field). */
async function legacyCache(dir: string, files: Array<{ s: Sample; content?: Buffer | null; remotePath: string; seq: number }>) {
  await mkdir(path.join(dir, 'objects'), { recursive: true });
  const entries: Record<string, unknown> = {};
  for (const f of files) {
    if (f.content !== null) await writeFile(path.join(dir, 'objects', f.s.md5), f.content ?? f.s.data);
    entries[f.s.md5] = {
      size: f.s.size,
      remotePath: f.remotePath,
      server: '127.0.0.1:2003',
      lastAccess: '2026-11-20T09:12:00.000Z',
      hits: 2,
      added: '2026-11-19T08:00:00.000Z',
      seq: f.seq,
    };
  }
  const index = { version: 1, seq: 9, hits: 5, misses: 7, entries };
  await writeFile(path.join(dir, 'index.json'), `${JSON.stringify(index, null, 1)}\n`);
}

describe('opening a version 1 cache', () => {
  it('migrates: intact entries re-keyed by their root with counters kept, damaged or missing ones dropped', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const [a, b, c, d] = await Promise.all(['a', 'b', 'c', 'd'].map((x) => sample(work, x, 1000)));
    const rotten = Buffer.from(c!.data);
    rotten[10] = rotten[10]! ^ 0xff;
    await legacyCache(dir, [
      { s: a!, remotePath: 'docs/a.bin', seq: 3 },
      { s: b!, remotePath: 'docs/b.bin', seq: 5 },
      { s: c!, content: rotten, remotePath: 'docs/c.bin', seq: 6 }, // same size, wrong bytes
      { s: d!, content: null, remotePath: 'docs/d.bin', seq: 7 }, // file gone
    ]);

    const cache = await DownloadCache.open({ dir, limit: LIMIT });
    expect(cache.repairReport.upgrade).toEqual({ from: 1, how: 'migrated', kept: 2, dropped: 2 });
    expect(describeRepair(cache.repairReport)).toBe(
      'cache: migrated 2 entries from the MD5-keyed format to BLAKE3 keys; dropped 2 whose content was missing or no longer matched',
    );
    expect(await cache.list()).toEqual([
      {
        blake3: b!.blake3,
        md5: b!.md5,
        size: 1000,
        remotePath: 'docs/b.bin',
        server: '127.0.0.1:2003',
        lastAccess: '2026-11-20T09:12:00.000Z',
        hits: 2,
        added: '2026-11-19T08:00:00.000Z',
      },
      {
        blake3: a!.blake3,
        md5: a!.md5,
        size: 1000,
        remotePath: 'docs/a.bin',
        server: '127.0.0.1:2003',
        lastAccess: '2026-11-20T09:12:00.000Z',
        hits: 2,
        added: '2026-11-19T08:00:00.000Z',
      },
    ]);
    expect(await cache.stats()).toMatchObject({ hits: 5, misses: 7, entries: 2 });
    expect(await cache.lookup(c!.blake3)).toBeUndefined();
    expect(await cache.lookup(rootOf(rotten))).toBeUndefined();
    expect((await readdir(path.join(dir, 'objects'))).sort()).toEqual([a!.blake3, b!.blake3].sort());
    expect(JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8'))).toMatchObject({ version: 2 });
    await expectConsistent(dir, LIMIT);

    const dest = path.join(work, 'a.out');
    expect(await cache.materialize(a!.blake3, dest, { remotePath: 'docs/a.bin', server: 'h' })).toBe(true);
    expect(await readFile(dest)).toEqual(a!.data);
    expect(await cache.remove(b!.md5)).toBe(1); // `ferry cache rm MD5` still works

    // Once: the next open has nothing to say.
    const again = await DownloadCache.open({ dir, limit: LIMIT });
    expect(again.repairReport.upgrade).toBeUndefined();
    expect(describeRepair(again.repairReport)).toBeUndefined();
  });

  it('migrates again after a migration killed before its index was written', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const a = await sample(work, 'a', 500);
    await legacyCache(dir, [{ s: a, remotePath: 'a', seq: 1 }]);
    // What the killed run left: the new name linked beside the old, index still version 1.
    await writeFile(path.join(dir, 'objects', a.blake3), a.data);
    const cache = await DownloadCache.open({ dir, limit: LIMIT });
    expect(cache.repairReport.upgrade).toMatchObject({ how: 'migrated', kept: 1, dropped: 0 });
    expect(await readdir(path.join(dir, 'objects'))).toEqual([a.blake3]);
    await expectConsistent(dir, LIMIT);
  });

  it('rebuilds empty when the version 1 index is unreadable, deleting the old objects', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const [a, b] = await Promise.all(['a', 'b'].map((x) => sample(work, x, 300)));
    await legacyCache(dir, [
      { s: a!, remotePath: 'a', seq: 1 },
      { s: b!, remotePath: 'b', seq: 2 },
    ]);
    const text = await readFile(path.join(dir, 'index.json'), 'utf8');
    await writeFile(path.join(dir, 'index.json'), text.slice(0, 40));
    const cache = await DownloadCache.open({ dir, limit: LIMIT });
    expect(cache.repairReport.upgrade).toEqual({ from: 1, how: 'rebuilt', kept: 0, dropped: 2 });
    expect(describeRepair(cache.repairReport)).toMatch(/^cache: rebuilt empty/);
    expect(await cache.list()).toEqual([]);
    expect(await exists(path.join(dir, 'objects', a!.md5))).toBe(false);
    await expectConsistent(dir, LIMIT);
  });

  it('treats a version 1 index written by an older process after the upgrade the same way', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const cache = await DownloadCache.open({ dir, limit: LIMIT });
    const [a, b] = await Promise.all(['a', 'b'].map((x) => sample(work, x, 300)));
    await legacyCache(dir, [{ s: a!, remotePath: 'a', seq: 1 }]);
    // The next change made by this (already open) cache migrates first.
    await cache.admit(b!.path, { blake3: b!.blake3, md5: b!.md5, size: 300, remotePath: 'b', server: 'h' });
    expect((await cache.list()).map((e) => e.md5).sort()).toEqual([a!.md5, b!.md5].sort());
    await expectConsistent(dir, LIMIT);
  });
});
