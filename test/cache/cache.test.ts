import { statSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CACHE_LIMIT, defaultCacheDir, DownloadCache } from '../../src/cache/cache.js';
import { FerryError } from '../../src/protocol/errors.js';
import { exists, expectConsistent, info, removeTempDirs, sample, tempDir } from './helpers.js';

afterEach(async () => {
  vi.useRealTimers();
  await removeTempDirs();
});

describe('DownloadCache basics', () => {
  it('admits, looks up and materializes a file, counting a hit', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const cache = await DownloadCache.open({ dir, limit: 10_000 });
    const s = await sample(work, 'a', 1234);

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2020-01-01T00:00:00Z'));
    const stored = await cache.admit(s.path, info(s, 'docs/a.bin'));
    expect(stored).toBe(path.join(dir, 'objects', s.blake3));
    expect(await exists(s.path)).toBe(false); // admit moves the file
    expect(await cache.lookup(s.blake3.toUpperCase())).toMatchObject({ md5: s.md5, size: 1234, hits: 0 });

    vi.setSystemTime(new Date('2021-06-01T12:00:00Z'));
    const dest = path.join(work, 'out.bin');
    await writeFile(dest, 'old content to be replaced');
    expect(await cache.materialize(s.blake3, dest, { remotePath: 'docs/a.bin', server: 'h:1' }, { overwrite: true })).toBe(true);
    vi.useRealTimers();

    expect(await readFile(dest)).toEqual(s.data);
    const entry = await cache.lookup(s.blake3);
    expect(entry).toEqual({
      blake3: s.blake3,
      md5: s.md5,
      size: 1234,
      remotePath: 'docs/a.bin',
      server: 'h:1',
      added: '2020-01-01T00:00:00.000Z',
      lastAccess: '2021-06-01T12:00:00.000Z',
      hits: 1,
    });
    expect(await cache.stats()).toEqual({ dir, entries: 1, bytes: 1234, limit: 10_000, hits: 1, misses: 1 });
    await expectConsistent(dir, 10_000);
  });

  it('gives the destination its own inode, so editing it leaves the cache intact', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const cache = await DownloadCache.open({ dir, limit: 10_000 });
    const s = await sample(work, 'b', 500);
    const stored = await cache.admit(s.path, info(s));
    const dest = path.join(work, 'copy.bin');
    await cache.materialize(s.blake3, dest, { remotePath: 'x', server: 'h' });
    expect((await stat(dest)).ino).not.toBe((await stat(stored)).ino);
    await writeFile(dest, 'edited', { flag: 'r+' });
    expect(await readFile(stored)).toEqual(s.data);
    await expectConsistent(dir, 10_000);
  });

  it('reports a missing entry instead of materializing', async () => {
    const cache = await DownloadCache.open({ dir: await tempDir() });
    const dest = path.join(await tempDir(), 'nothing');
    expect(await cache.materialize('0'.repeat(32), dest, { remotePath: 'x', server: 'h' })).toBe(false);
    expect(await exists(dest)).toBe(false);
    expect(await cache.stats()).toMatchObject({ hits: 0, misses: 0 });
  });

  it('says whether a size fits and refuses to admit one that does not', async () => {
    const work = await tempDir();
    const cache = await DownloadCache.open({ dir: await tempDir(), limit: 1000 });
    expect(cache.fits(0)).toBe(true);
    expect(cache.fits(1000)).toBe(true);
    expect(cache.fits(1001)).toBe(false);
    expect(cache.fits(Number.NaN)).toBe(false);
    const big = await sample(work, 'c', 1001);
    await expect(cache.admit(big.path, info(big))).rejects.toMatchObject({ code: 'TOO_LARGE' });
    expect(await exists(big.path)).toBe(true);
    expect(await cache.list()).toEqual([]);
  });

  it('uses the platform cache folder and 1 GiB unless told otherwise', async () => {
    expect(DEFAULT_CACHE_LIMIT).toBe(1024 ** 3);
    expect(path.basename(defaultCacheDir())).toBe('ferry');
    await expect(DownloadCache.open({ dir: await tempDir(), limit: 0 })).rejects.toBeInstanceOf(FerryError);
  });

  it('keeps stable .part paths per server and remote path, inside the cache', async () => {
    const dir = await tempDir();
    const a = await DownloadCache.open({ dir });
    const b = await DownloadCache.open({ dir });
    const p = a.partPaths('h:1', 'docs/x.bin');
    expect(b.partPaths('h:1', '/docs/x.bin')).toEqual(p);
    expect(p.part.startsWith(path.join(dir, 'parts') + path.sep)).toBe(true);
    expect(p.sidecar).not.toBe(p.part);
    expect(a.partPaths('h:2', 'docs/x.bin').part).not.toBe(p.part);
    expect(a.partPaths('h:1', 'docs/y.bin').part).not.toBe(p.part);
  });
});

describe('eviction', () => {
  it('evicts the least recently used entry, by access not by insertion', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const cache = await DownloadCache.open({ dir, limit: 300 });
    const [a, b, c, d, e] = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((x) => sample(work, x, 100)));
    for (const s of [a!, b!, c!]) await cache.admit(s.path, info(s));
    await cache.materialize(a!.blake3, path.join(work, 'a.out'), { remotePath: 'a', server: 'h' });
    expect(await cache.lookup(b!.blake3)).toBeDefined(); // a lookup is not a use: b stays oldest

    await cache.admit(d!.path, info(d!));
    expect((await cache.list()).map((x) => x.md5)).toEqual([d!.md5, a!.md5, c!.md5]);
    expect(await cache.lookup(b!.blake3)).toBeUndefined();

    await cache.materialize(c!.blake3, path.join(work, 'c.out'), { remotePath: 'c', server: 'h' });
    await cache.admit(e!.path, info(e!));
    expect((await cache.list()).map((x) => x.md5)).toEqual([e!.md5, c!.md5, d!.md5]);
    await expectConsistent(dir, 300);
  });

  it('evicts several entries when one large file needs the room', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const cache = await DownloadCache.open({ dir, limit: 300 });
    for (const x of ['a', 'b', 'c']) {
      const s = await sample(work, x, 100);
      await cache.admit(s.path, info(s));
    }
    const big = await sample(work, 'z', 250);
    await cache.admit(big.path, info(big));
    expect((await cache.list()).map((x) => x.md5)).toEqual([big.md5]);
    expect((await cache.stats()).bytes).toBe(250);
    await expectConsistent(dir, 300);
  });

  it('shrinks to a smaller limit on open, dropping the least recently used', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const cache = await DownloadCache.open({ dir, limit: 1000 });
    const samples = await Promise.all(['a', 'b', 'c'].map((x) => sample(work, x, 100)));
    for (const s of samples) await cache.admit(s.path, info(s));
    await cache.materialize(samples[0]!.blake3, path.join(work, 'a.out'), { remotePath: 'a', server: 'h' });
    const small = await DownloadCache.open({ dir, limit: 200 });
    expect(small.repairReport.evicted).toEqual([samples[1]!.blake3]);
    expect((await small.list()).map((x) => x.md5)).toEqual([samples[0]!.md5, samples[2]!.md5]);
    await expectConsistent(dir, 200);
  });
});

describe('remove and clear', () => {
  it('removes by md5 and by remote path, and clear empties everything but the counters', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const cache = await DownloadCache.open({ dir, limit: 10_000 });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((x) => sample(work, x, 100)));
    await cache.admit(a!.path, info(a!, 'docs/a.txt'));
    await cache.admit(b!.path, info(b!, 'docs/b.txt'));
    await cache.admit(c!.path, info(c!, 'docs/b.txt', 'other:1'));

    expect(await cache.remove(a!.md5.toUpperCase())).toBe(1);
    expect(await exists(path.join(dir, 'objects', a!.blake3))).toBe(false);
    expect(await cache.remove('nothing/here')).toBe(0);
    expect(await cache.remove('/docs/b.txt')).toBe(2);
    expect(await cache.list()).toEqual([]);
    await expectConsistent(dir, 10_000);

    const d = await sample(work, 'd', 100);
    await cache.admit(d.path, info(d));
    await cache.clear();
    expect(await cache.list()).toEqual([]);
    expect(await cache.stats()).toMatchObject({ entries: 0, bytes: 0, misses: 4 });
    await expectConsistent(dir, 10_000);
  });
});

describe('persistence', () => {
  it('finds the same entries and counters after reopening', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const first = await DownloadCache.open({ dir, limit: 10_000 });
    const [a, b] = await Promise.all(['a', 'b'].map((x) => sample(work, x, 321)));
    await first.admit(a!.path, info(a!));
    await first.admit(b!.path, info(b!));
    await first.materialize(a!.blake3, path.join(work, 'a.out'), { remotePath: 'a', server: 'h' });
    const before = await first.list();

    const second = await DownloadCache.open({ dir, limit: 10_000 });
    expect(second.repairReport).toEqual({ tornIndex: false, adopted: [], dropped: [], deleted: [], evicted: [] });
    expect(await second.list()).toEqual(before);
    expect(await second.stats()).toMatchObject({ entries: 2, bytes: 642, hits: 1, misses: 2 });
    expect(await second.materialize(b!.blake3, path.join(work, 'b.out'), { remotePath: 'b', server: 'h' })).toBe(true);
    expect(await readFile(path.join(work, 'b.out'))).toEqual(b!.data);
  });
});

describe('two instances on one folder', () => {
  it('interleaved admits, materializes and removes lose nothing', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const [one, two] = await Promise.all([DownloadCache.open({ dir }), DownloadCache.open({ dir })]);
    const samples = await Promise.all(Array.from({ length: 30 }, (_, i) => sample(work, `s${i}`, 100 + i)));
    // Both instances run at once; every admit is a read-modify-write of the
    // index, so without the lock the later write would drop the earlier entry.
    await Promise.all(samples.map((s, i) => (i % 2 ? one : two).admit(s.path, info(s, `f/${i}`))));
    expect((await one.list()).map((e) => e.md5).sort()).toEqual(samples.map((s) => s.md5).sort());

    await Promise.all([
      ...samples.slice(0, 10).map((s, i) => one.materialize(s.blake3, path.join(work, `out${i}`), { remotePath: 'r', server: 'h' })),
      ...samples.slice(10, 20).map((s) => two.remove(s.md5)),
    ]);
    const entries = await two.list();
    expect(entries).toHaveLength(20);
    expect(entries.slice(0, 10).every((e) => e.hits === 1)).toBe(true);
    expect(await two.stats()).toMatchObject({ hits: 10, misses: 30 });
    await expectConsistent(dir, DEFAULT_CACHE_LIMIT);
  });

  it('admitting the same content twice at once keeps one entry and consumes both files', async () => {
    const dir = await tempDir();
    const [w1, w2] = [await tempDir(), await tempDir()];
    const [one, two] = await Promise.all([DownloadCache.open({ dir }), DownloadCache.open({ dir })]);
    const [s1, s2] = await Promise.all([sample(w1, 'same', 400), sample(w2, 'same', 400)]);
    const [p1, p2] = await Promise.all([one.admit(s1.path, info(s1, 'x')), two.admit(s2.path, info(s2, 'y'))]);
    expect(p1).toBe(p2);
    expect(await exists(s1.path)).toBe(false);
    expect(await exists(s2.path)).toBe(false);
    expect(await one.list()).toHaveLength(1);
    expect(await one.stats()).toMatchObject({ entries: 1, bytes: 400, misses: 2 });
    await expectConsistent(dir, DEFAULT_CACHE_LIMIT);
  });
});

describe('admitting from another filesystem', () => {
  const shm = '/dev/shm';
  const otherFs = (() => {
    try {
      return statSync(shm).dev !== statSync(tmpdir()).dev;
    } catch {
      return false;
    }
  })();

  it.skipIf(!otherFs)('copies the file over, then removes the original as a move would', async () => {
    const dir = await tempDir();
    const work = await mkdtemp(path.join(shm, 'ferry-cache-test-'));
    try {
      const cache = await DownloadCache.open({ dir, limit: 10_000 });
      const s = await sample(work, 'x', 2048);
      const stored = await cache.admit(s.path, info(s));
      expect(await readFile(stored)).toEqual(s.data);
      expect(await exists(s.path)).toBe(false);
      await expectConsistent(dir, 10_000);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
