// Crash repair. Each test stops an operation for good at one point (freezeAt),
// which leaves the folder exactly as a kill -9 there would, then opens the
// cache again as a fresh process would and checks what the repair made of it.

import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DownloadCache } from '../../src/cache/cache.js';
import { deadPid, exists, expectConsistent, freezeAt, info, removeTempDirs, sample, tempDir } from './helpers.js';

afterEach(removeTempDirs);

const LIMIT = 1000;

/** A cache holding a and b (100 bytes each, a used least recently) and a third sample c. */
async function setup(limit = LIMIT) {
  const dir = await tempDir();
  const work = await tempDir();
  const cache = await DownloadCache.open({ dir, limit });
  const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((x) => sample(work, x, 100)));
  await cache.admit(a!.path, info(a!, 'a.bin'));
  await cache.admit(b!.path, info(b!, 'b.bin'));
  return { dir, work, cache, a: a!, b: b!, c: c! };
}

const md5s = async (cache: DownloadCache) => (await cache.list()).map((e) => e.md5).sort();

describe('repair after a kill during admit', () => {
  it('after the intent was written: drops the intent, the file was never taken', async () => {
    const { dir, a, b, c } = await setup();
    const { hooks, reached } = freezeAt('admit:intent-written');
    const dying = await DownloadCache.open({ dir, limit: LIMIT, hooks });
    void dying.admit(c.path, info(c, 'c.bin'));
    await reached;
    expect(await exists(path.join(dir, 'objects', c.blake3 + '.intent'))).toBe(true);

    const after = await DownloadCache.open({ dir, limit: LIMIT });
    expect(await md5s(after)).toEqual([a.md5, b.md5].sort());
    expect(after.repairReport.deleted).toContain(path.join('objects', c.blake3 + '.intent'));
    expect(await exists(c.path)).toBe(true);
    await expectConsistent(dir, LIMIT);
  });

  it('after the content moved in but before the index: adopts it from the intent', async () => {
    const { dir, a, b, c } = await setup();
    const { hooks, reached } = freezeAt('admit:content-placed');
    const dying = await DownloadCache.open({ dir, limit: LIMIT, hooks });
    void dying.admit(c.path, info(c, 'c.bin'));
    await reached;

    const after = await DownloadCache.open({ dir, limit: LIMIT });
    expect(after.repairReport.adopted).toEqual([c.blake3]);
    expect(await md5s(after)).toEqual([a.md5, b.md5, c.md5].sort());
    expect(await after.lookup(c.blake3)).toMatchObject({ remotePath: 'c.bin', server: 'host:7000', size: 100 });
    expect((await after.stats()).misses).toBe(3);
    await expectConsistent(dir, LIMIT);
  });

  it('adopting can push the cache over its limit: the repair evicts LRU to get back under', async () => {
    const { dir, a, b, c } = await setup(200);
    const { hooks, reached } = freezeAt('admit:content-placed');
    const dying = await DownloadCache.open({ dir, limit: 200, hooks });
    void dying.admit(c.path, info(c, 'c.bin'));
    await reached;

    const after = await DownloadCache.open({ dir, limit: 200 });
    expect(after.repairReport.evicted).toEqual([a.blake3]);
    expect(await md5s(after)).toEqual([b.md5, c.md5].sort());
    await expectConsistent(dir, 200);
  });

  it('while a compacted index was still a temp file: deletes the temp, adopts the content', async () => {
    const { dir, a, b, c } = await setup();
    const { hooks, reached } = freezeAt('index:temp-written');
    // compactAfter 0: this admit writes a new snapshot instead of a journal line.
    const dying = await DownloadCache.open({ dir, limit: LIMIT, hooks: { ...hooks, compactAfter: 0 } });
    void dying.admit(c.path, info(c, 'c.bin'));
    await reached;
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toHaveLength(1);

    const after = await DownloadCache.open({ dir, limit: LIMIT });
    expect(after.repairReport.adopted).toEqual([c.blake3]);
    expect(await md5s(after)).toEqual([a.md5, b.md5, c.md5].sort());
    await expectConsistent(dir, LIMIT);
  });

  it('after the index but before evicted files were unlinked: deletes those orphans', async () => {
    const { dir, a, b, c } = await setup(200);
    const { hooks, reached } = freezeAt('admit:index-written');
    const dying = await DownloadCache.open({ dir, limit: 200, hooks });
    void dying.admit(c.path, info(c, 'c.bin'));
    await reached;
    expect(await exists(path.join(dir, 'objects', a.blake3))).toBe(true);

    const after = await DownloadCache.open({ dir, limit: 200 });
    expect(after.repairReport.deleted.sort()).toEqual([path.join('objects', a.blake3), path.join('objects', c.blake3 + '.intent')].sort());
    expect(after.repairReport.adopted).toEqual([]);
    expect(await md5s(after)).toEqual([b.md5, c.md5].sort());
    await expectConsistent(dir, 200);
  });
});

describe('repair after a kill elsewhere', () => {
  it('during materialize: the pin in tmp/ goes, the entry stays', async () => {
    const { dir, work, a } = await setup();
    const { hooks, reached } = freezeAt('materialize:pinned');
    const dying = await DownloadCache.open({ dir, limit: LIMIT, hooks });
    void dying.materialize(a.blake3, path.join(work, 'out'), { remotePath: 'a.bin', server: 'h' });
    await reached;
    expect(await readdir(path.join(dir, 'tmp'))).toHaveLength(1);

    const after = await DownloadCache.open({ dir, limit: LIMIT });
    expect(after.repairReport.deleted).toHaveLength(1);
    expect(await after.lookup(a.blake3)).toBeDefined();
    await expectConsistent(dir, LIMIT);
  });

  it('during remove: the file the index no longer names is deleted', async () => {
    const { dir, a, b } = await setup();
    const { hooks, reached } = freezeAt('remove:index-written');
    const dying = await DownloadCache.open({ dir, limit: LIMIT, hooks });
    void dying.remove(a.md5);
    await reached;
    expect(await exists(path.join(dir, 'objects', a.blake3))).toBe(true);

    const after = await DownloadCache.open({ dir, limit: LIMIT });
    expect(after.repairReport.deleted).toEqual([path.join('objects', a.blake3)]);
    expect(await md5s(after)).toEqual([b.md5]);
    await expectConsistent(dir, LIMIT);
  });

  it('breaks a lock left by a dead process, and waits for (then times out on) a live one', async () => {
    const { dir } = await setup();
    const lock = path.join(dir, 'lock');
    await writeFile(lock, JSON.stringify({ pid: deadPid(), host: hostname(), nonce: 'dead' }));
    await DownloadCache.open({ dir, limit: LIMIT });
    expect(await exists(lock)).toBe(false);

    await writeFile(lock, JSON.stringify({ pid: process.pid, host: hostname(), nonce: 'alive' }));
    await expect(DownloadCache.open({ dir, limit: LIMIT, lockTimeoutMs: 20 })).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
    expect(JSON.parse(await readFile(lock, 'utf8'))).toMatchObject({ nonce: 'alive' });
  });
});

describe('repair of damage found on disk', () => {
  it('drops index entries whose file is missing or the wrong size', async () => {
    const { dir, a, b } = await setup();
    await rm(path.join(dir, 'objects', a.blake3));
    await writeFile(path.join(dir, 'objects', b.blake3), 'short');
    const after = await DownloadCache.open({ dir, limit: LIMIT });
    expect(after.repairReport.dropped.sort()).toEqual([a.blake3, b.blake3].sort());
    expect(await after.list()).toEqual([]);
    await expectConsistent(dir, LIMIT);
  });

  it('deletes orphans it cannot vouch for: no intent, a mismatched intent, a stray name', async () => {
    const { dir, a, b, c } = await setup();
    const objects = path.join(dir, 'objects');
    const orphan = 'f'.repeat(64);
    await writeFile(path.join(objects, orphan), 'who knows');
    await writeFile(path.join(objects, c.blake3), c.data);
    await writeFile(
      path.join(objects, c.blake3 + '.intent'),
      JSON.stringify({ blake3: c.blake3, md5: c.md5, size: 99, remotePath: 'c', server: 'h', added: new Date().toISOString() }),
    );
    await writeFile(path.join(objects, '9'.repeat(64) + '.intent'), '{"blake3": "torn');
    await writeFile(path.join(objects, 'notes.txt'), 'x');
    const after = await DownloadCache.open({ dir, limit: LIMIT });
    expect(after.repairReport.adopted).toEqual([]);
    expect(after.repairReport.deleted).toHaveLength(5);
    expect(await md5s(after)).toEqual([a.md5, b.md5].sort());
    await expectConsistent(dir, LIMIT);
  });

  it('rebuilds from a torn index: adoptable content kept, the rest deleted', async () => {
    const { dir, a, b, c } = await setup();
    const objects = path.join(dir, 'objects');
    await writeFile(path.join(objects, c.blake3), c.data);
    await writeFile(
      path.join(objects, c.blake3 + '.intent'),
      JSON.stringify({ blake3: c.blake3, md5: c.md5, size: 100, remotePath: 'c', server: 'h', added: new Date().toISOString() }),
    );
    const text = await readFile(path.join(dir, 'index.json'), 'utf8');
    await writeFile(path.join(dir, 'index.json'), text.slice(0, text.length / 2));

    const after = await DownloadCache.open({ dir, limit: LIMIT });
    expect(after.repairReport.tornIndex).toBe(true);
    expect(after.repairReport.adopted).toEqual([c.blake3]);
    expect(after.repairReport.deleted.sort()).toEqual([a.blake3, b.blake3, c.blake3 + '.intent'].map((n) => path.join('objects', n)).sort());
    expect(after.repairReport.upgrade).toBeUndefined();
    expect(await md5s(after)).toEqual([c.md5]);
    await expectConsistent(dir, LIMIT);
  });

  it('deletes scratch files of dead processes and keeps those of live ones', async () => {
    const { dir } = await setup();
    const tmp = path.join(dir, 'tmp');
    const dead = path.join(tmp, `${deadPid()}-abc.pin`);
    const live = path.join(tmp, `${process.pid}-abc.pin`);
    await writeFile(dead, 'x');
    await writeFile(live, 'x');
    await writeFile(path.join(dir, `index.json.${process.pid}-abc.tmp`), '{');
    const after = await DownloadCache.open({ dir, limit: LIMIT });
    expect(after.repairReport.deleted.sort()).toEqual([path.relative(dir, dead), `index.json.${process.pid}-abc.tmp`].sort());
    expect(await exists(live)).toBe(true);
  });
});
