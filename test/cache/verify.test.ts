// The BLAKE3 root as the cache's key and check: admit refuses content that
// does not hash to the root it is filed under, and a hit whose bytes rotted
// on disk is evicted and answered as a miss, never handed out.

import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DownloadCache } from '../../src/cache/cache.js';
import { exists, expectConsistent, info, removeTempDirs, sample, tempDir } from './helpers.js';

afterEach(removeTempDirs);

const origin = { remotePath: 'docs/a.bin', server: 'h:1' };

describe('admit checks the root it is given', () => {
  it('refuses a file whose root is not the one claimed, and admits nothing', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const cache = await DownloadCache.open({ dir, limit: 10_000 });
    const honest = await sample(work, 'a', 3000);
    const planted = await sample(work, 'b', 3000);
    // A server that sends b's bytes but names a's root (and a's MD5).
    await expect(cache.admit(planted.path, { ...info(planted), blake3: honest.blake3, md5: honest.md5 })).rejects.toMatchObject({
      name: 'FerryError',
      code: 'CHECKSUM_MISMATCH',
    });
    expect(await exists(planted.path)).toBe(true); // left to the caller
    expect(await cache.lookup(honest.blake3)).toBeUndefined();
    expect(await cache.list()).toEqual([]);
    expect(await cache.stats()).toMatchObject({ entries: 0, misses: 0 });
    expect(await readdir(path.join(dir, 'objects'))).toEqual([]);
    expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);
  });

  it('keys by the root, keeps the MD5, and accepts either (or the path) to remove', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const cache = await DownloadCache.open({ dir, limit: 10_000 });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((x) => sample(work, x, 200)));
    await cache.admit(a!.path, info(a!, 'a.bin'));
    await cache.admit(b!.path, info(b!, 'b.bin'));
    await cache.admit(c!.path, info(c!, 'c.bin'));
    expect(await cache.lookup(a!.blake3)).toMatchObject({ blake3: a!.blake3, md5: a!.md5 });
    expect(await cache.lookup(a!.md5)).toBeUndefined(); // the MD5 is not a key
    expect(await cache.remove(a!.blake3)).toBe(1);
    expect(await cache.remove(b!.md5)).toBe(1);
    expect(await cache.remove('/c.bin')).toBe(1);
    expect(await cache.list()).toEqual([]);
    await expectConsistent(dir, 10_000);
  });
});

describe('a hit is checked before it is handed out', () => {
  it('evicts an object damaged on disk (same size) and reports a miss; nothing reaches the destination', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const cache = await DownloadCache.open({ dir, limit: 10_000 });
    const s = await sample(work, 'a', 5000);
    const stored = await cache.admit(s.path, info(s));
    const bytes = await readFile(stored);
    bytes[1234] = bytes[1234]! ^ 0x01; // one bit, same size
    await writeFile(stored, bytes);

    expect(await cache.lookup(s.blake3)).toBeDefined(); // the index cannot know yet
    const dest = path.join(work, 'out.bin');
    expect(await cache.materialize(s.blake3, dest, origin)).toBe(false);
    expect(await exists(dest)).toBe(false);
    expect(await readdir(work)).toEqual([]); // no temp left beside it either
    expect(await cache.lookup(s.blake3)).toBeUndefined();
    expect(await cache.stats()).toMatchObject({ entries: 0, hits: 0 });
    await expectConsistent(dir, 10_000);
  });

  it('leaves the file already at the destination alone when the hit turns out damaged, even with overwrite', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const cache = await DownloadCache.open({ dir, limit: 10_000 });
    const s = await sample(work, 'a', 800);
    const stored = await cache.admit(s.path, info(s));
    await writeFile(stored, Buffer.alloc(800, 'z'));
    const dest = path.join(work, 'mine.txt');
    await writeFile(dest, 'the user file');
    expect(await cache.materialize(s.blake3, dest, origin, { overwrite: true })).toBe(false);
    expect(await readFile(dest, 'utf8')).toBe('the user file');
    expect(await cache.list()).toEqual([]);
  });

  it('admitting the same content again replaces a damaged object with the checked bytes', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const cache = await DownloadCache.open({ dir, limit: 10_000 });
    const s = await sample(work, 'a', 600);
    const stored = await cache.admit(s.path, info(s));
    await writeFile(stored, Buffer.alloc(600, 'z'));
    const again = await sample(work, 'a', 600);
    expect(await cache.admit(again.path, info(again))).toBe(stored);
    expect(await readFile(stored)).toEqual(s.data);
    expect(await cache.materialize(s.blake3, path.join(work, 'out'), origin)).toBe(true);
    await expectConsistent(dir, 10_000);
  });

  it('hands out an intact object, many times', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const cache = await DownloadCache.open({ dir, limit: 10_000_000 });
    const s = await sample(work, 'big', 3 * 1024 * 1024 + 17); // several chunks, a short last one
    await cache.admit(s.path, info(s));
    for (const name of ['one', 'two']) {
      expect(await cache.materialize(s.blake3, path.join(work, name), origin)).toBe(true);
      expect((await readFile(path.join(work, name))).equals(s.data)).toBe(true);
    }
    expect(await cache.lookup(s.blake3)).toMatchObject({ hits: 2 });
  });
});
