// The index as snapshot + journal (src/cache/index-store.ts): what a change
// costs in index I/O, what a torn journal line does, and that compaction
// keeps every entry as it was.

import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DownloadCache } from '../../src/cache/cache.js';
import { emptyIndex } from '../../src/cache/index-file.js';
import { IndexStore } from '../../src/cache/index-store.js';
import { type Change, decodeChange, parseHeader } from '../../src/cache/journal.js';
import { layoutOf } from '../../src/cache/layout.js';
import { expectConsistent, freezeAt, info, removeTempDirs, sample, tempDir } from './helpers.js';

afterEach(removeTempDirs);

describe('index I/O per change', () => {
  const entryOf = (i: number, seq: number) => ({
    md5: i.toString(16).padStart(32, '0'),
    size: 64,
    remotePath: `d/${i}`,
    server: 'h:1',
    lastAccess: '2026-12-03T17:00:00.000Z',
    added: '2026-12-03T17:00:00.000Z',
    hits: 0,
    seq,
  });
  const keyOf = (i: number) => i.toString(16).padStart(64, '0');

  for (const [name, live] of [
    ['unbounded', Number.POSITIVE_INFINITY],
    ['100 live entries, the oldest dropped at each change, so it compacts', 100],
  ] as const) {
    it(`2,000 changes and 4,000 lookups by another view cost O(N) bytes of index, the second thousand no more than the first: ${name}`, async () => {
      // The index store itself, as admit drives it (without the fsyncs that
      // make 2,000 real admits take a minute on a loaded disk).
      const layout = layoutOf(await tempDir());
      const writer = new IndexStore(layout, { pid: process.pid });
      const reader = new IndexStore(layout, { pid: process.pid });
      await writer.replace(emptyIndex());
      const io = () => writer.io.bytesRead + writer.io.bytesWritten + reader.io.bytesRead + reader.io.bytesWritten;
      const run = async (from: number, n: number) => {
        for (let i = from; i < from + n; i++) {
          expect((await reader.refresh(false)).data.entries.has(keyOf(i))).toBe(false);
          const { data } = await writer.refresh(true);
          const changes: Change[] = [{ key: keyOf(i), entry: entryOf(i, data.seq + 1), misses: 1 }];
          if (i >= live) changes.unshift({ key: keyOf(i - live), entry: null });
          await writer.commit(changes, false);
          expect((await reader.refresh(false)).data.entries.get(keyOf(i))).toMatchObject({ remotePath: `d/${i}` });
        }
      };
      await run(0, 1000);
      const first = io();
      await run(1000, 1000);
      const second = io() - first;
      // A line is about 250 bytes and the header a reader checks ~70; reading
      // and rewriting the whole index at each change would be ~250 × entries.
      expect(first / 1000).toBeLessThan(2500);
      expect(second / 1000).toBeLessThan(2500);
      expect(second).toBeLessThan(first * 1.5);
      const view = await reader.refresh(false);
      expect(view.data.entries.size).toBe(Math.min(2000, live));
      expect(view.data.misses).toBe(2000);
      if (live < 2000) {
        expect(writer.io.snapshotsWritten).toBeGreaterThan(4);
        expect(reader.io.snapshotsRead).toBe(writer.io.snapshotsWritten); // one reload per compaction
      } else {
        expect(writer.io.snapshotsWritten).toBe(1);
        expect(reader.io.snapshotsRead).toBe(1);
      }
    }, 60_000);
  }

  it('admits and lookups through the cache, evicting all the while, cost a bounded number of index bytes each', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const limit = 20 * 64;
    const writer = await DownloadCache.open({ dir, limit });
    const reader = await DownloadCache.open({ dir, limit }); // another process's view, catching up by lookups
    const ioOf = (c: DownloadCache) => c.indexIo.bytesRead + c.indexIo.bytesWritten;
    const start = ioOf(writer) + ioOf(reader);
    for (let i = 0; i < 200; i++) {
      const s = await sample(work, `f${i}`, 64);
      expect(await reader.lookup(s.blake3)).toBeUndefined();
      await writer.admit(s.path, info(s, `d/${i}`));
      expect(await reader.lookup(s.blake3)).toMatchObject({ md5: s.md5 });
    }
    expect((ioOf(writer) + ioOf(reader) - start) / 200).toBeLessThan(4000);
    expect((await reader.stats()).entries).toBe(20);
    await expectConsistent(dir, limit);
  }, 60_000);
});

describe('a torn journal line', () => {
  it('is ignored by readers, cut off before the next append, and its content adopted from the intent', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const cache = await DownloadCache.open({ dir, limit: 10_000 });
    const [a, b, c, d] = await Promise.all(['a', 'b', 'c', 'd'].map((x) => sample(work, x, 100)));
    await cache.admit(a!.path, info(a!, 'a'));
    await cache.admit(b!.path, info(b!, 'b'));

    const { hooks, reached } = freezeAt('journal:half-written');
    const dying = await DownloadCache.open({ dir, limit: 10_000, hooks });
    void dying.admit(c!.path, info(c!, 'c'));
    await reached;
    const journal = path.join(dir, 'index.journal');
    expect((await readFile(journal, 'utf8')).endsWith('\n')).toBe(false);

    // A view already open reads past nothing it cannot parse, and appends on a line of its own.
    expect((await cache.list()).map((e) => e.remotePath)).toEqual(['b', 'a']);
    expect(await cache.lookup(c!.blake3)).toBeUndefined();
    await cache.admit(d!.path, info(d!, 'd')); // breaks the dead process's lock
    const lines = (await readFile(journal, 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(parseHeader(lines[0]!)).toBeDefined();
    for (const line of lines.slice(1)) expect(decodeChange(line), line).toBeDefined();

    const after = await DownloadCache.open({ dir, limit: 10_000 });
    expect(after.repairReport.adopted).toEqual([c!.blake3]);
    expect((await after.list()).map((e) => e.remotePath).sort()).toEqual(['a', 'b', 'c', 'd']);
    await expectConsistent(dir, 10_000);
  });

  it('left by a touch is cut off by a process opened afterwards before it appends', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const cache = await DownloadCache.open({ dir, limit: 10_000 });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((x) => sample(work, x, 100)));
    await cache.admit(a!.path, info(a!, 'a'));
    await cache.admit(b!.path, info(b!, 'b'));
    const { hooks, reached } = freezeAt('journal:half-written');
    const dying = await DownloadCache.open({ dir, limit: 10_000, hooks });
    void dying.materialize(a!.blake3, path.join(work, 'a.out'), { remotePath: 'a', server: 'h' });
    await reached;

    const fresh = await DownloadCache.open({ dir, limit: 10_000 }); // nothing to adopt: no new snapshot
    await fresh.admit(c!.path, info(c!, 'c'));
    const lines = (await readFile(path.join(dir, 'index.journal'), 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    for (const line of lines.slice(1)) expect(decodeChange(line), line).toBeDefined();
    expect((await DownloadCache.open({ dir, limit: 10_000 }).then((x) => x.list())).map((e) => e.remotePath)).toEqual(['c', 'b', 'a']);
    await expectConsistent(dir, 10_000);
  });

  it('a damaged line in the middle is repaired under the lock: the entries from it on go, the folder stays consistent', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const cache = await DownloadCache.open({ dir, limit: 10_000 });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((x) => sample(work, x, 100)));
    await cache.admit(a!.path, info(a!, 'a'));
    await cache.admit(b!.path, info(b!, 'b'));
    const journal = path.join(dir, 'index.journal');
    const lines = (await readFile(journal, 'utf8')).split('\n');
    lines[1] = '{"k": "not a key"}'; // a's line
    await writeFile(journal, lines.join('\n'));
    expect(await cache.list()).toEqual([]); // a reader stops at the damage

    const other = await DownloadCache.open({ dir, limit: 10_000 });
    expect(other.repairReport.tornIndex).toBe(true);
    expect(other.repairReport.deleted.sort()).toEqual([a!.blake3, b!.blake3].map((k) => path.join('objects', k)).sort());
    await other.admit(c!.path, info(c!, 'c'));
    expect((await cache.list()).map((e) => e.remotePath)).toEqual(['c']);
    await expectConsistent(dir, 10_000);
  });
});

describe('compaction', () => {
  it('keeps every entry, its order, hits and counters, for this view, one open before, and one opened after', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const limit = 2000;
    const cache = await DownloadCache.open({ dir, limit, hooks: { compactAfter: 7 } });
    const watcher = await DownloadCache.open({ dir, limit });
    const plain = await DownloadCache.open({ dir: await tempDir(), limit }); // the same steps, never compacted
    const samples = await Promise.all(Array.from({ length: 30 }, (_, i) => sample(work, `s${i}`, 100 + i)));
    for (const [i, s] of samples.entries()) {
      for (const c of [cache, plain]) {
        const copy = await sample(work, `s${i}`, 100 + i);
        await c.admit(copy.path, info(s, `f/${i}`));
        if (i % 3 === 0)
          await c.materialize(samples[Math.floor(i / 2)]!.blake3, path.join(work, 'out'), { remotePath: `m/${i}`, server: 'h' }, { overwrite: true });
        if (i % 7 === 6) await c.remove(s.md5);
      }
    }
    expect(cache.indexIo.snapshotsWritten).toBeGreaterThan(5);
    expect(plain.indexIo.snapshotsWritten).toBeLessThanOrEqual(1);
    const strip = (l: Awaited<ReturnType<DownloadCache['list']>>) => l.map(({ lastAccess, added, ...rest }) => rest);
    const expected = strip(await plain.list());
    expect(expected.length).toBeGreaterThan(5);
    expect(strip(await cache.list())).toEqual(expected);
    expect(strip(await watcher.list())).toEqual(expected);
    const reopened = await DownloadCache.open({ dir, limit });
    expect(strip(await reopened.list())).toEqual(expected);
    const { dir: _d, ...counts } = await plain.stats();
    expect(await reopened.stats()).toMatchObject(counts);
    await expectConsistent(dir, limit);
  });

  it('an index written by a ferry without journals is taken as it is, and paired with a journal at the next change', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const cache = await DownloadCache.open({ dir, limit: 10_000 });
    const [a, b] = await Promise.all(['a', 'b'].map((x) => sample(work, x, 100)));
    await cache.admit(a!.path, info(a!, 'a'));
    const other = await DownloadCache.open({ dir, limit: 10_000, hooks: { compactAfter: 0 } });
    await other.admit(b!.path, info(b!, 'b')); // everything now in the snapshot
    const index = path.join(dir, 'index.json');
    const doc = JSON.parse(await readFile(index, 'utf8')) as Record<string, unknown>;
    delete doc.journal; // what the previous version writes
    await writeFile(index, JSON.stringify(doc));
    expect((await cache.list()).map((e) => e.remotePath)).toEqual(['b', 'a']);
    const c = await sample(work, 'c', 100);
    await cache.admit(c.path, info(c, 'c'));
    expect(JSON.parse(await readFile(index, 'utf8'))).toHaveProperty('journal');
    expect((await other.list()).map((e) => e.remotePath)).toEqual(['c', 'b', 'a']);
    await expectConsistent(dir, 10_000);
  });
});
