// Downloads and uploads end to end: verified content, the cache (hit, LRU,
// bypass), resume after an interruption, a server file that changes, and
// nothing left at the destination after a failure.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { rootOf } from '../../src/protocol/chunk-hash.js';
import { scratchDir } from '../helpers/scratch.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startTcpRelay } from '../helpers/tcp-relay.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const MiB = 1024 * 1024;
const big = randomBytes(24 * MiB);
const small = { a: randomBytes(300 * 1024), b: randomBytes(300 * 1024), c: randomBytes(300 * 1024) };

let t: TestServer;
let dest: string;
beforeEach(async () => {
  t = await startTestServer({
    'big.bin': big,
    'a.bin': small.a,
    'b.bin': small.b,
    'c.bin': small.c,
    'dir/x.txt': 'x\n',
    'dir/sub/y.txt': 'y\n',
    'dir/hollow/': {},
    'dir/hollow/deeper/': {},
    'vacant/': {},
    'empty.txt': '',
  });
  dest = await scratchDir('ferry-dest-');
});
afterEach(async () => {
  vi.restoreAllMocks();
  await t.close();
});

const visible = async (dir: string) => (await readdir(dir)).sort();

describe('download', () => {
  it('delivers the exact bytes, verified, and reports what arrived', async () => {
    const client = await t.connect();
    const r = await client.download('big.bin', { dest });
    expect(md5(await readFile(join(dest, 'big.bin')))).toBe(md5(big));
    expect(r).toMatchObject({
      path: 'big.bin',
      dest: join(dest, 'big.bin'),
      bytes: big.length,
      transferred: big.length,
      md5: md5(big),
      verified: true,
      transport: 'tcp',
      cache: 'miss',
    });
    expect(await visible(dest)).toEqual(['big.bin']);
  });

  it('a server started as `ferry serve` starts its hashing threads at once; a new file still arrives verified with its MD5', async () => {
    const own = await startTestServer({ 'new.bin': big }, { startHashWorkers: undefined });
    try {
      expect(own.server.hashIndex.workersAlive).toBe(own.server.hashIndex.workers);
      const client = await own.connect({ noCache: true });
      const r = await client.download('new.bin', { dest });
      expect(r).toMatchObject({ bytes: big.length, md5: md5(big), verified: true });
      expect(md5(await readFile(join(dest, 'new.bin')))).toBe(md5(big));
      // Fast pass and MD5 pass: the file was read twice, never more.
      expect(own.server.hashIndex.stats.bytesHashed).toBe(2 * big.length);
      expect(own.server.hashIndex.workersAlive).toBe(own.server.hashIndex.workers);
    } finally {
      await own.close();
    }
  });

  it('downloads an empty file', async () => {
    const client = await t.connect();
    const r = await client.download('empty.txt', { dest });
    expect(r.md5).toBe(md5(Buffer.alloc(0)));
    expect((await stat(join(dest, 'empty.txt'))).size).toBe(0);
  });

  it('serves a second download of the same content from the cache with no bytes sent', async () => {
    const client = await t.connect();
    await client.download('a.bin', { dest });
    const sentBefore = t.server.counters.bytesSent;
    const other = await scratchDir('ferry-dest-');
    const r = await client.download('a.bin', { dest: other });
    expect(r.cache).toBe('hit');
    expect(r.transferred).toBe(0);
    expect(t.server.counters.bytesSent).toBe(sentBefore);
    expect(md5(await readFile(join(other, 'a.bin')))).toBe(md5(small.a));
    const [entry] = await client.cache!.list();
    expect(entry).toMatchObject({ md5: md5(small.a), remotePath: 'a.bin', hits: 1 });
  });

  it('evicts the least recently used entry when the cache is full', async () => {
    const client = await t.connect({ cacheLimit: 700 * 1024 }); // room for two of the three
    await client.download('a.bin', { dest });
    await client.download('b.bin', { dest });
    // Touch a: now b is the least recently used.
    await client.download('a.bin', { dest: await scratchDir('ferry-dest-') });
    await client.download('c.bin', { dest });
    const held = (await client.cache!.list()).map((e) => e.remotePath).sort();
    expect(held).toEqual(['a.bin', 'c.bin']);
    expect((await client.cache!.stats()).bytes).toBeLessThanOrEqual(700 * 1024);
  });

  it('bypasses the cache for a file larger than the whole cache', async () => {
    const client = await t.connect({ cacheLimit: MiB });
    const r = await client.download('big.bin', { dest });
    expect(r.cache).toBe('bypass');
    expect(await client.cache!.list()).toEqual([]);
    expect(md5(await readFile(join(dest, 'big.bin')))).toBe(md5(big));
    expect(await visible(dest)).toEqual(['big.bin']); // no .part left beside it
  });

  it('refuses an existing different destination unless told to overwrite, and reports an identical one', async () => {
    const client = await t.connect();
    await writeFile(join(dest, 'a.bin'), 'something else');
    await expect(client.download('a.bin', { dest })).rejects.toMatchObject({ code: 'EXISTS' });
    expect(await readFile(join(dest, 'a.bin'), 'utf8')).toBe('something else');
    await client.download('a.bin', { dest, overwrite: true });
    expect(md5(await readFile(join(dest, 'a.bin')))).toBe(md5(small.a));
    const again = await client.download('a.bin', { dest });
    expect(again.identical).toBe(true);
  });

  it('fetches a folder tree with --recursive and refuses a folder without it', async () => {
    const client = await t.connect();
    await expect(client.download('dir', { dest })).rejects.toMatchObject({ code: 'NOT_A_FILE' });
    const r = await client.download('dir', { dest, recursive: true });
    expect(r.files).toHaveLength(2);
    expect(await readFile(join(dest, 'dir', 'sub', 'y.txt'), 'utf8')).toBe('y\n');
    expect(await readFile(join(dest, 'dir', 'x.txt'), 'utf8')).toBe('x\n');
    // Folders come down too, empty ones included.
    expect(await readdir(join(dest, 'dir', 'hollow'))).toEqual(['deeper']);
    expect(await readdir(join(dest, 'dir', 'hollow', 'deeper'))).toEqual([]);
  });

  it("keeps the server's modification times, for files and folders, and leaves the cache's copy alone", async () => {
    const T = Date.UTC(2021, 4, 17, 8, 30, 12, 345);
    await t.share.write({ 'dated/old.txt': { content: 'old\n', mtime: T }, 'dated/inner/older.txt': { content: 'older\n', mtime: T - 86_400_000 } });
    await utimes(t.share.abs('dated/inner'), (T - 3_600_000) / 1000, (T - 3_600_000) / 1000);
    await utimes(t.share.abs('dated'), (T - 7_200_000) / 1000, (T - 7_200_000) / 1000);
    const client = await t.connect();
    // A miss (through the cache), then a hit into another folder, then the tree.
    const first = await client.download('dated/old.txt', { dest });
    expect((await stat(first.dest)).mtimeMs).toBeCloseTo(T, -1);
    const object = join(t.scratch, 'cache', 'objects', first.blake3 as string); // objects are named by their BLAKE3 root
    const cached = (await stat(object)).mtimeMs;
    const other = await scratchDir('ferry-dest-');
    const hit = await client.download('dated/old.txt', { dest: other });
    expect(hit.cache).toBe('hit');
    expect((await stat(hit.dest)).mtimeMs).toBeCloseTo(T, -1);
    expect((await stat(object)).mtimeMs).toBe(cached);
    expect((await stat(hit.dest)).ino).not.toBe((await stat(object)).ino);
    const tree = await client.download('dated', { dest: other, recursive: true, overwrite: true });
    expect((await stat(join(tree.dest, 'inner', 'older.txt'))).mtimeMs).toBeCloseTo(T - 86_400_000, -1);
    expect((await stat(join(tree.dest, 'inner'))).mtimeMs).toBeCloseTo(T - 3_600_000, -1);
    expect((await stat(tree.dest)).mtimeMs).toBeCloseTo(T - 7_200_000, -1);
  });

  it('when a different file is already there: fail, overwrite, skip, newer only, or keep both', async () => {
    const client = await t.connect();
    const here = join(dest, 'a.bin');
    const mine = async (mtimeMs: number) => {
      await writeFile(here, 'my own a.bin');
      await utimes(here, mtimeMs / 1000, mtimeMs / 1000);
    };
    const server = (await client.stat('a.bin')).mtimeMs;
    await mine(server - 60_000);
    await expect(client.download('a.bin', { dest })).rejects.toMatchObject({ code: 'EXISTS', message: expect.stringMatching(/--skip-existing/) });
    // skip: left as it is, and said so (not verified: it is not the server's file).
    expect(await client.download('a.bin', { dest, existing: 'skip' })).toMatchObject({ skipped: 'exists', verified: false, transferred: 0 });
    expect(await readFile(here, 'utf8')).toBe('my own a.bin');
    // newer: ours is older, so it is replaced...
    expect(await client.download('a.bin', { dest, existing: 'newer' })).toMatchObject({ verified: true });
    expect(md5(await readFile(here))).toBe(md5(small.a));
    // ...but one newer than the server's is kept.
    await mine(server + 60_000);
    expect(await client.download('a.bin', { dest, existing: 'newer' })).toMatchObject({ skipped: 'newer-here' });
    expect(await readFile(here, 'utf8')).toBe('my own a.bin');
    // keep both: ours stays, the download takes the next free name.
    await writeFile(join(dest, 'a (1).bin'), 'taken');
    const both = await client.download('a.bin', { dest, existing: 'keep-both' });
    expect(both.dest).toBe(join(dest, 'a (2).bin'));
    expect(md5(await readFile(both.dest))).toBe(md5(small.a));
    expect(await readFile(here, 'utf8')).toBe('my own a.bin');
    // Identical content is never asked about: it is left as it is under every policy.
    const other = await scratchDir('ferry-dest-');
    await writeFile(join(other, 'a.bin'), small.a);
    for (const existing of ['keep-both', 'fail', 'skip'] as const) {
      expect(await client.download('a.bin', { dest: other, existing })).toMatchObject({ identical: true, dest: join(other, 'a.bin'), verified: true });
    }
    expect(await readdir(other)).toEqual(['a.bin']);
  });

  it('an empty remote folder downloaded is an empty local folder', async () => {
    const client = await t.connect();
    const r = await client.download('vacant', { dest, recursive: true });
    expect(r.files).toEqual([]);
    expect(await readdir(join(dest, 'vacant'))).toEqual([]);
  });

  it('resumes an interrupted download from where it stopped, and verifies', async () => {
    const relay = await startTcpRelay({ host: '127.0.0.1', port: t.server.port });
    for (const noCache of [false, true]) {
      const client = await t.connect({ noCache, port: relay.port });
      relay.cutAfter = 6 * MiB; // the connection dies mid-stream
      await expect(client.download('big.bin', { dest })).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
      relay.cutAfter = undefined;
      expect(relay.cuts).toBeGreaterThan(0);
      expect(await visible(dest)).not.toContain('big.bin');
      const sentBefore = t.server.counters.bytesSent;
      const r = await client.download('big.bin', { dest });
      expect(r.resumedFrom).toBeGreaterThan(0);
      expect(r.transferred).toBe(big.length - r.resumedFrom!);
      expect(t.server.counters.bytesSent - sentBefore).toBe(r.transferred);
      expect(md5(await readFile(join(dest, 'big.bin')))).toBe(md5(big));
      expect(await visible(dest)).toEqual(['big.bin']);
      await client.cache?.clear();
      await import('node:fs/promises').then((fs) => fs.rm(join(dest, 'big.bin')));
    }
    await relay.close();
  });

  it('starts over when the server file changed since the interrupted attempt', async () => {
    const relay = await startTcpRelay({ host: '127.0.0.1', port: t.server.port });
    const client = await t.connect({ noCache: true, port: relay.port });
    relay.cutAfter = 4 * MiB;
    await expect(client.download('big.bin', { dest })).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
    relay.cutAfter = undefined;
    const changed = randomBytes(big.length);
    await writeFile(t.share.abs('big.bin'), changed);
    const r = await client.download('big.bin', { dest });
    expect(r.restarted).toBe(true);
    expect(r.resumedFrom).toBeUndefined();
    expect(md5(await readFile(join(dest, 'big.bin')))).toBe(md5(changed));
    await relay.close();
  });

  it('catches a bit flipped in transit and fetches that chunk alone again', async () => {
    const relay = await startTcpRelay({ host: '127.0.0.1', port: t.server.port });
    for (const noCache of [true, false]) {
      const client = await t.connect({ noCache, port: relay.port });
      // One bit flipped inside the second chunk's bytes, once per connection.
      relay.flipAt = 1.5 * MiB;
      const sentBefore = t.server.counters.bytesSent;
      const r = await client.download('big.bin', { dest, overwrite: true });
      expect(r).toMatchObject({ verified: true, check: 'blake3', md5: md5(big), refetchedChunks: 1 });
      expect(t.server.counters.bytesSent - sentBefore).toBe(big.length + MiB); // the file, and chunk 1 once more
      expect((await readFile(join(dest, 'big.bin'))).equals(big)).toBe(true);
      await client.cache?.clear();
      await rm(join(dest, 'big.bin'));
    }
    await relay.close();
  });

  it('refuses a server whose bytes never match its own chunk hashes, and keeps nothing', async () => {
    const client = await t.connect();
    const abs = t.share.abs('a.bin');
    const real = await t.server.hashIndex.chunks(abs, await stat(abs));
    // The server claims another hash for chunk 0, consistently: its root names the lie.
    const lie = Buffer.from(real.chunks);
    lie[0]! ^= 1;
    vi.spyOn(t.server.hashIndex, 'chunks').mockResolvedValue({ ...real, chunks: lie, blake3: rootOf(small.a.length, real.chunkBytes, lie) });
    await expect(client.download('a.bin', { dest })).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH', message: expect.stringMatching(/chunk 0/) });
    expect(await visible(dest)).toEqual([]);
    expect(await client.cache!.list()).toEqual([]);
    expect(await readdir(join(client.cache!.dir, 'parts'))).toEqual([]);
  });

  it('recovers from stale hashes in the server index: the server reads the file again', async () => {
    const client = await t.connect({ noCache: true });
    await client.download('a.bin', { dest: await scratchDir('ferry-first-') }); // indexes a.bin
    // Rewritten in place with its size and mtime kept (cp -p, touch -r): the index still has the old hashes.
    const abs = t.share.abs('a.bin');
    const before = await stat(abs);
    const fresh = randomBytes(small.a.length);
    await writeFile(abs, fresh);
    await utimes(abs, before.atime, before.mtime);
    const r = await client.download('a.bin', { dest });
    expect(r).toMatchObject({ verified: true, md5: md5(fresh), restarted: true });
    expect((await readFile(join(dest, 'a.bin'))).equals(fresh)).toBe(true);
    expect((await client.stat('a.bin', { md5: true })).md5).toBe(md5(fresh)); // the index is right again
  });

  it('two clients sharing one cache fetch the same file at once: each lands its own .part, both verified', async () => {
    const cacheDir = await scratchDir('ferry-shared-cache-');
    const [one, two] = await Promise.all([t.connect({ cacheDir }), t.connect({ cacheDir })]);
    const [d1, d2] = [await scratchDir('ferry-one-'), await scratchDir('ferry-two-')];
    const [r1, r2] = await Promise.all([one.download('big.bin', { dest: d1 }), two.download('big.bin', { dest: d2 })]);
    for (const [r, d] of [
      [r1, d1],
      [r2, d2],
    ] as const) {
      expect(r).toMatchObject({ verified: true, md5: md5(big) });
      expect((await readFile(join(d, 'big.bin'))).equals(big)).toBe(true);
    }
    expect((await one.cache!.list()).map((e) => e.md5)).toEqual([md5(big)]);
    // No .part is left behind by either.
    expect((await readdir(join(cacheDir, 'parts'))).filter((n) => n.endsWith('.part'))).toEqual([]);
  });

  it('fetches a folder of many small files a few at a time, over a few connections kept open', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 300; i++) files[`many/${String(i).padStart(3, '0')}.bin`] = randomBytes(1 + ((i * 977) % 16_384));
    await t.share.write(files);
    const client = await t.connect({ noCache: true });
    const before = t.server.counters.connections;
    const r = await client.download('many', { dest, recursive: true, transfers: 3 });
    expect(r.files).toHaveLength(300);
    expect(r.files!.every((f) => f.verified)).toBe(true);
    for (const [path, data] of Object.entries(files)) expect((await readFile(join(dest, path))).equals(data)).toBe(true);
    // Three transfer connections at most, reused file after file (not one each).
    expect(t.server.counters.connections - before).toBeLessThanOrEqual(3);
  });

  it('a folder download whose connection is lost resumes the cut file and finishes', async () => {
    const relay = await startTcpRelay({ host: '127.0.0.1', port: t.server.port });
    const client = await t.connect({ noCache: true, port: relay.port });
    relay.cutAfter = 10 * MiB; // the first connection to carry 10 MiB dies
    void relay.cut().then(() => (relay.cutAfter = undefined));
    const r = await client.download('', { dest, recursive: true, transfers: 1 });
    expect(relay.cuts).toBe(1);
    const bigResult = r.files!.find((f) => f.path === 'big.bin')!;
    expect(bigResult).toMatchObject({ verified: true, md5: md5(big) });
    expect(bigResult.resumedFrom).toBeGreaterThan(0);
    expect((await readFile(join(r.dest, 'big.bin'))).equals(big)).toBe(true);
    expect(r.files!.every((f) => f.verified)).toBe(true);
    await relay.close();
  });

  it("foldersOnly makes a tree's folders, empty ones too, with their times, and fetches no file", async () => {
    const client = await t.connect({ noCache: true });
    const sentBefore = t.server.counters.bytesSent;
    const r = await client.download('dir', { dest, recursive: true, foldersOnly: true });
    expect(r.files).toEqual([]);
    expect(t.server.counters.bytesSent).toBe(sentBefore);
    for (const folder of ['dir', 'dir/sub', 'dir/hollow', 'dir/hollow/deeper']) {
      expect((await stat(join(dest, folder))).isDirectory()).toBe(true);
      expect(Math.abs((await stat(join(dest, folder))).mtimeMs - (await stat(t.share.abs(folder))).mtimeMs)).toBeLessThan(1);
    }
    await expect(stat(join(dest, 'dir/x.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a missing file and a path outside the share', async () => {
    const client = await t.connect();
    await expect(client.download('nope.bin', { dest })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(client.download('../outside/sentinel.txt', { dest })).rejects.toMatchObject({ code: 'OUTSIDE_SHARE' });
    expect(await visible(dest)).toEqual([]);
  });
});

describe('upload', () => {
  it('is refused by a read-only server', async () => {
    const client = await t.connect({ noCache: true });
    const local = join(dest, 'up.bin');
    await writeFile(local, randomBytes(1000));
    await expect(client.upload(local)).rejects.toMatchObject({ code: 'READ_ONLY' });
    await expect(stat(t.share.abs('up.bin'))).rejects.toThrow();
  });

  it('stores a verified copy when allowed, and never overwrites unless asked', async () => {
    await t.close();
    t = await startTestServer({ 'taken.bin': 'old' }, { allowUpload: true });
    const client = await t.connect({ noCache: true });
    const content = randomBytes(3 * MiB + 17);
    const local = join(dest, 'up.bin');
    await writeFile(local, content);
    const r = await client.upload(local);
    expect(r).toMatchObject({ path: 'up.bin', bytes: content.length, md5: md5(content), verified: true });
    expect(md5(await readFile(t.share.abs('up.bin')))).toBe(md5(content));
    await expect(client.upload(local, { as: 'taken.bin' })).rejects.toMatchObject({ code: 'EXISTS' });
    expect(await readFile(t.share.abs('taken.bin'), 'utf8')).toBe('old');
    await client.upload(local, { as: 'taken.bin', overwrite: true });
    expect(md5(await readFile(t.share.abs('taken.bin')))).toBe(md5(content));
    await expect(client.upload(local, { as: '../outside/evil.bin' })).rejects.toMatchObject({ code: 'OUTSIDE_SHARE' });
    await t.share.assertSentinelIntact();
    expect((await readdir(t.share.root)).sort()).toEqual(['taken.bin', 'up.bin']);
  });

  it('makes missing remote folders when asked, never through a link out of the share', async () => {
    await t.close();
    t = await startTestServer({ 'file.txt': 'a file' }, { allowUpload: true });
    const client = await t.connect({ noCache: true });
    const local = join(dest, 'up.bin');
    await writeFile(local, randomBytes(1000));
    await expect(client.upload(local, { as: 'new/deeper/up.bin' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await readdir(t.share.root)).toEqual(['file.txt']);
    await client.upload(local, { as: 'new/deeper/up.bin', parents: true });
    expect(await readFile(t.share.abs('new/deeper/up.bin'))).toEqual(await readFile(local));
    await expect(client.upload(local, { as: 'file.txt/x/up.bin', parents: true })).rejects.toMatchObject({ code: 'NOT_A_DIRECTORY' });
    await symlink(t.share.outside, t.share.abs('escape'));
    await expect(client.upload(local, { as: 'escape/made/up.bin', parents: true })).rejects.toMatchObject({ code: 'OUTSIDE_SHARE' });
    await t.share.assertSentinelIntact();
    expect(await readdir(t.share.outside)).not.toContain('made');
  });

  it('uploads a folder with recursive, a few files at a time, its folders made as needed', async () => {
    await t.close();
    t = await startTestServer({}, { allowUpload: true });
    const client = await t.connect({ noCache: true });
    const tree = join(dest, 'tree');
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 40; i++) files[`${i % 3 === 0 ? 'a/b/' : i % 3 === 1 ? 'a/' : ''}f${i}.bin`] = randomBytes(100 + i * 50);
    for (const [rel, data] of Object.entries(files)) {
      await mkdir(dirname(join(tree, rel)), { recursive: true });
      await writeFile(join(tree, rel), data);
    }
    const before = t.server.counters.connections;
    const r = await client.upload(tree, { recursive: true, as: 'backup/tree', transfers: 3 });
    expect(r.files).toHaveLength(40);
    for (const [rel, data] of Object.entries(files)) expect((await readFile(t.share.abs(`backup/tree/${rel}`))).equals(data)).toBe(true);
    expect(t.server.counters.connections - before).toBeLessThanOrEqual(3);
  });
});
