// What materialize does at the destination: it never replaces a file that is
// there (or appears while it copies) unless asked to, and it removes the
// temps a killed ferry left in that folder, and only those.

import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DownloadCache } from '../../src/cache/cache.js';
import { leftoverOwner } from '../../src/cache/destination.js';
import { deadPid, exists, expectConsistent, info, removeTempDirs, sample, tempDir } from './helpers.js';

afterEach(removeTempDirs);

const origin = { remotePath: 'docs/a.bin', server: 'h:1' };

describe('materialize and a file at the destination', () => {
  it('keeps a file that is already there and fails with EXISTS, or replaces it when asked', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const out = await tempDir();
    const cache = await DownloadCache.open({ dir, limit: 10_000 });
    const s = await sample(work, 'a', 700);
    await cache.admit(s.path, info(s));
    const dest = path.join(out, 'a.bin');
    await writeFile(dest, 'mine');
    await expect(cache.materialize(s.blake3, dest, origin)).rejects.toMatchObject({ name: 'FerryError', code: 'EXISTS' });
    expect(await readFile(dest, 'utf8')).toBe('mine');
    expect(await readdir(out)).toEqual(['a.bin']); // no temp left
    expect(await cache.lookup(s.blake3)).toMatchObject({ hits: 0 }); // an entry that was fine stays

    expect(await cache.materialize(s.blake3, dest, origin, { overwrite: true })).toBe(true);
    expect(await readFile(dest)).toEqual(s.data);
    await expectConsistent(dir, 10_000);
  });

  it('keeps a file that appeared while the content was being copied out', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const out = await tempDir();
    const dest = path.join(out, 'a.bin');
    const seed = await DownloadCache.open({ dir, limit: 10_000 });
    const s = await sample(work, 'a', 700);
    await seed.admit(s.path, info(s));
    // The file shows up after the cache decided to hand its copy out.
    const cache = await DownloadCache.open({
      dir,
      limit: 10_000,
      hooks: { at: async (p) => (p === 'materialize:pinned' ? writeFile(dest, 'appeared meanwhile') : undefined) },
    });
    await expect(cache.materialize(s.blake3, dest, origin)).rejects.toMatchObject({ code: 'EXISTS' });
    expect(await readFile(dest, 'utf8')).toBe('appeared meanwhile');
    expect(await readdir(out)).toEqual(['a.bin']);
    await expectConsistent(dir, 10_000);
  });
});

describe('leftover temps in the destination folder', () => {
  it("removes a killed process's full-size temp, and nothing else", async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const out = await tempDir();
    const cache = await DownloadCache.open({ dir, limit: 10_000 });
    const s = await sample(work, 'a', 700);
    await cache.admit(s.path, info(s));
    const dead = deadPid();
    const leftover = `.big.iso.${dead}-0123456789ab.ferry-tmp`;
    const live = `.other.txt.${process.pid}-0123456789ab.ferry-tmp`; // being copied right now, maybe
    const lookalikes = [`.notes.${dead}-xyz.ferry-tmp`, `big.iso.${dead}-0123456789ab.ferry-tmp`, `.big.iso.${dead}-0123456789ab.ferry-tmp.bak`, 'plain.txt'];
    await writeFile(path.join(out, leftover), s.data);
    await writeFile(path.join(out, live), 'x');
    for (const name of lookalikes) await writeFile(path.join(out, name), 'x');
    const folderLike = `.dir.${dead}-0123456789ab.ferry-tmp`;
    await mkdir(path.join(out, folderLike));

    expect(await cache.materialize(s.blake3, path.join(out, 'a.bin'), origin)).toBe(true);
    expect((await readdir(out)).sort()).toEqual(['a.bin', live, folderLike, ...lookalikes].sort());
    expect(await exists(path.join(out, leftover))).toBe(false);
  });

  it('reads the owner from exactly the names materialize makes', () => {
    expect(leftoverOwner('.a.b.c.4242-0123456789ab.ferry-tmp')).toBe(4242);
    expect(leftoverOwner('.\n.12-0123456789ab.ferry-tmp')).toBe(12);
    expect(leftoverOwner('.a.4242-0123456789AB.ferry-tmp')).toBeUndefined();
    expect(leftoverOwner('a.4242-0123456789ab.ferry-tmp')).toBeUndefined();
    expect(leftoverOwner('.a.x4242-0123456789ab.ferry-tmp')).toBeUndefined();
  });
});
