import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChunkHasher } from '../../src/protocol/chunk-hash.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import type { HashRecord } from '../../src/protocol/messages.js';
import { HashIndex, hashTree } from '../../src/server/hash-index.js';
import { HASH_CHUNK_BYTES, HashPool } from '../../src/hashing/hash-worker.js';
import { ShareStore } from '../../src/server/store.js';
import { createTempShare, DEFAULT_MTIME_MS, md5Of, type TempShare } from '../helpers/temp-share.js';

let share: TempShare;
let index: HashIndex | undefined;
const big = randomBytes(HASH_CHUNK_BYTES * 3 + 12_345); // spans several worker reads, ends mid-chunk

beforeEach(async () => {
  share = await createTempShare({ 'big.bin': big, 'small.txt': 'hello', 'empty.txt': '' });
});

afterEach(async () => {
  vi.restoreAllMocks();
  await index?.close();
  index = undefined;
  await share.remove();
});

async function md5(rel: string, options?: { rehash?: boolean }): Promise<string> {
  const abs = share.abs(rel);
  return index!.md5(abs, await fs.stat(abs), options);
}

/** Rewrite a file with different bytes of the same length and put its mtime back: same identity. */
async function rewriteKeepingIdentity(rel: string, content: Buffer | string): Promise<void> {
  const abs = share.abs(rel);
  const before = await fs.stat(abs);
  await fs.writeFile(abs, content);
  await fs.utimes(abs, before.atime, before.mtime);
  const after = await fs.stat(abs);
  expect([after.ino, after.size, after.mtimeMs]).toEqual([before.ino, before.size, before.mtimeMs]);
}

describe('HashIndex.md5', () => {
  it('matches node:crypto over the same bytes, for large, small and empty files', async () => {
    index = await HashIndex.open({ workers: 2 });
    expect(await md5('big.bin')).toBe(md5Of(big));
    expect(await md5('small.txt')).toBe(md5Of('hello'));
    expect(await md5('empty.txt')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(index.stats).toEqual({ hits: 0, misses: 3, bytesHashed: big.length + 5 });
  });

  it('answers an unchanged file from memory without reading it', async () => {
    index = await HashIndex.open({ workers: 1 });
    const first = await md5('small.txt');
    await rewriteKeepingIdentity('small.txt', 'HELLO'); // only a re-read could notice
    expect(await md5('small.txt')).toBe(first);
    expect(index.stats).toEqual({ hits: 1, misses: 1, bytesHashed: 5 });
  });

  it('re-reads when asked to rehash', async () => {
    index = await HashIndex.open({ workers: 1 });
    await md5('small.txt');
    await rewriteKeepingIdentity('small.txt', 'HELLO');
    expect(await md5('small.txt', { rehash: true })).toBe(md5Of('HELLO'));
    expect(index.stats).toMatchObject({ hits: 0, misses: 2, bytesHashed: 10 });
    expect(await md5('small.txt')).toBe(md5Of('HELLO')); // and remembers the fresh digest
  });

  it('re-hashes when the identity changes: mtime, size, or a new inode', async () => {
    index = await HashIndex.open({ workers: 1 });
    await md5('small.txt');
    await fs.writeFile(share.abs('small.txt'), 'world');
    await fs.utimes(share.abs('small.txt'), DEFAULT_MTIME_MS / 1000 + 1, DEFAULT_MTIME_MS / 1000 + 1);
    expect(await md5('small.txt')).toBe(md5Of('world'));
    await fs.writeFile(share.abs('small.txt'), 'longer text');
    await fs.utimes(share.abs('small.txt'), DEFAULT_MTIME_MS / 1000 + 1, DEFAULT_MTIME_MS / 1000 + 1);
    expect(await md5('small.txt')).toBe(md5Of('longer text'));
    // Same size and mtime, but a different file renamed into place.
    await share.write({ 'other.txt': { content: 'LONGER TEXT', mtime: DEFAULT_MTIME_MS + 1000 } });
    await fs.rename(share.abs('other.txt'), share.abs('small.txt'));
    expect(await md5('small.txt')).toBe(md5Of('LONGER TEXT'));
    expect(index.stats).toMatchObject({ hits: 0, misses: 4 });
  });

  it('refuses with CHANGED when the file is no longer the version the caller saw', async () => {
    index = await HashIndex.open({ workers: 1 });
    const stale = await fs.stat(share.abs('small.txt'));
    await share.write({ 'small.txt': { content: 'replaced', mtime: DEFAULT_MTIME_MS + 5000 } });
    await expect(index.md5(share.abs('small.txt'), stale)).rejects.toMatchObject({ code: ErrorCode.Changed });
    // What was read is still remembered under the file's real identity.
    expect(await md5('small.txt')).toBe(md5Of('replaced'));
    expect(index.stats.misses).toBe(1);
  });

  it('shares one read between concurrent requests for the same file', async () => {
    index = await HashIndex.open({ workers: 2 });
    const stat = await fs.stat(share.abs('big.bin'));
    const all = await Promise.all([1, 2, 3].map(() => index!.md5(share.abs('big.bin'), stat)));
    expect(new Set(all)).toEqual(new Set([md5Of(big)]));
    expect(index.stats).toMatchObject({ misses: 1, bytesHashed: big.length });
  });

  it('uses a digest remembered from elsewhere', async () => {
    index = await HashIndex.open({ workers: 1 });
    const stat = await fs.stat(share.abs('small.txt'));
    index.remember(stat, md5Of('hello'));
    expect(await md5('small.txt')).toBe(md5Of('hello'));
    expect(index.stats).toEqual({ hits: 1, misses: 0, bytesHashed: 0 });
    expect(() => index!.remember(stat, 'not-a-digest')).toThrow();
  });

  it('refuses folders and missing files with codes', async () => {
    index = await HashIndex.open({ workers: 1 });
    await expect(index.md5(share.root, await fs.stat(share.root))).rejects.toMatchObject({ code: ErrorCode.NotAFile });
    const stat = await fs.stat(share.abs('small.txt'));
    await fs.rm(share.abs('small.txt'));
    await expect(index.md5(share.abs('small.txt'), stat)).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });

  it('fails pending work with SHUTTING_DOWN once closed', async () => {
    index = await HashIndex.open({ workers: 1 });
    const stat = await fs.stat(share.abs('big.bin'));
    const pending = expect(index.md5(share.abs('big.bin'), stat)).rejects.toMatchObject({ code: ErrorCode.ShuttingDown });
    await index.close();
    await pending;
    await expect(md5('small.txt')).rejects.toMatchObject({ code: ErrorCode.ShuttingDown });
  });
});

/** What chunk-hash.ts says the file's chunk list and root are. */
function expectedChunks(bytes: Buffer | string) {
  const data = Buffer.from(bytes);
  const h = new ChunkHasher(data.length);
  h.update(data);
  return h.finish();
}

async function chunks(rel: string, options?: { rehash?: boolean }) {
  const abs = share.abs(rel);
  return index!.chunks(abs, await fs.stat(abs), options);
}

describe('HashIndex.chunks', () => {
  it('gives the chunk list and root chunk-hash.ts gives, for large, small and empty files', async () => {
    index = await HashIndex.open({ workers: 2 });
    for (const [rel, bytes] of [
      ['big.bin', big],
      ['small.txt', 'hello'],
      ['empty.txt', ''],
    ] as const) {
      const want = expectedChunks(bytes);
      const got = await chunks(rel);
      expect(got.blake3).toBe(want.blake3);
      expect(got.chunkBytes).toBe(want.chunkBytes);
      expect(got.chunks.equals(want.chunks)).toBe(true);
    }
  });

  it('reads a new file without MD5 (the fast pass), and an MD5 pass later completes the entry', async () => {
    index = await HashIndex.open({ workers: 1 });
    const abs = share.abs('big.bin');
    const stat = await fs.stat(abs);
    await chunks('big.bin');
    expect(index.knownMd5(stat)).toBeUndefined();
    expect(await md5('big.bin')).toBe(md5Of(big));
    expect(index.knownMd5(stat)).toBe(md5Of(big));
    // Both are now known: neither question reads the file again.
    const before = index.stats.bytesHashed;
    expect((await chunks('big.bin')).blake3).toBe(expectedChunks(big).blake3);
    expect(await md5('big.bin')).toBe(md5Of(big));
    expect(index.stats.bytesHashed).toBe(before);
  });

  it('answers chunks from an MD5 pass (one read gives both)', async () => {
    index = await HashIndex.open({ workers: 1 });
    await md5('big.bin');
    const read = index.stats.bytesHashed;
    expect((await chunks('big.bin')).blake3).toBe(expectedChunks(big).blake3);
    expect(index.stats.bytesHashed).toBe(read);
  });

  it('reads the MD5 alone beside a fast pass, and the entry ends with both', async () => {
    index = await HashIndex.open({ workers: 2 });
    const md5Only = vi.spyOn(HashPool.prototype, 'md5');
    const abs = share.abs('big.bin');
    const stat = await fs.stat(abs);
    // As a download of a new file asks: the chunk list first, the MD5 beside it.
    const [list, digest] = await Promise.all([index.chunks(abs, stat), index.md5(abs, stat)]);
    expect(md5Only).toHaveBeenCalledTimes(1);
    expect(digest).toBe(md5Of(big));
    expect(list.blake3).toBe(expectedChunks(big).blake3);
    expect(index.stats.bytesHashed).toBe(2 * big.length);
    const read = index.stats.bytesHashed;
    expect(await md5('big.bin')).toBe(md5Of(big));
    expect((await chunks('big.bin')).chunks.equals(expectedChunks(big).chunks)).toBe(true);
    expect(index.stats.bytesHashed).toBe(read);
  });

  it('never answers a chunk question with an MD5-only read', async () => {
    index = await HashIndex.open({ workers: 2 });
    const abs = share.abs('big.bin');
    const stat = await fs.stat(abs);
    await index.chunks(abs, stat); // the list is known: the MD5 question reads the MD5 alone
    const rewritten = randomBytes(big.length);
    await rewriteKeepingIdentity('big.bin', rewritten);
    const md5Only = vi.spyOn(HashPool.prototype, 'md5');
    const digest = index.md5(abs, stat);
    expect(md5Only).toHaveBeenCalledTimes(1);
    // A fresh chunk question while that read runs gets a read of its own, with
    // chunks: sharing the MD5-only read would answer with the old list.
    const list = await index.chunks(abs, stat, { rehash: true });
    expect(list.chunks.equals(expectedChunks(rewritten).chunks)).toBe(true);
    expect(await digest).toBe(md5Of(rewritten));
  });

  it('re-reads a file rewritten in place only when asked to rehash', async () => {
    index = await HashIndex.open({ workers: 1 });
    const first = await chunks('small.txt');
    await rewriteKeepingIdentity('small.txt', 'HELLO');
    expect((await chunks('small.txt')).blake3).toBe(first.blake3);
    expect((await chunks('small.txt', { rehash: true })).blake3).toBe(expectedChunks('HELLO').blake3);
  });
});

describe('HashIndex.warm', () => {
  it('reads files in the background so that a later question reads nothing', async () => {
    index = await HashIndex.open({ workers: 2 });
    for (const rel of ['big.bin', 'small.txt', 'empty.txt']) {
      const abs = share.abs(rel);
      index.warm(abs, await fs.stat(abs));
      index.warm(abs, await fs.stat(abs)); // queued once
    }
    const deadline = Date.now() + 10_000;
    while (index.warmingFiles > 0 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(index.warmingFiles).toBe(0);
    expect(index.stats.bytesHashed).toBe(big.length + 5);
    const read = index.stats.bytesHashed;
    expect(await md5('big.bin')).toBe(md5Of(big));
    expect((await chunks('small.txt')).blake3).toBe(expectedChunks('hello').blake3);
    expect(index.stats.bytesHashed).toBe(read);
  });
});

describe('HashIndex persistence', () => {
  it('survives a reopen, so nothing is read again', async () => {
    const file = path.join(share.outside, 'state', 'index.json');
    index = await HashIndex.open({ file, workers: 1 });
    await md5('big.bin');
    await md5('small.txt');
    await index.close();
    expect((await fs.readdir(path.dirname(file))).sort()).toEqual(['index.json']); // no temp files left behind
    index = await HashIndex.open({ file, workers: 1 });
    expect(index.size).toBe(2);
    await rewriteKeepingIdentity('small.txt', 'HELLO');
    expect(await md5('small.txt')).toBe(md5Of('hello'));
    expect(await md5('big.bin')).toBe(md5Of(big));
    expect(index.stats).toEqual({ hits: 2, misses: 0, bytesHashed: 0 });
    expect((await chunks('big.bin')).chunks.equals(expectedChunks(big).chunks)).toBe(true);
    expect(index.stats.bytesHashed).toBe(0);
  });

  it('drops a saved chunk list that no longer hashes to its root, and reads the file again', async () => {
    const file = path.join(share.outside, 'state', 'index.json');
    index = await HashIndex.open({ file, workers: 1 });
    await md5('big.bin');
    await index.close();
    const saved = JSON.parse(await fs.readFile(file, 'utf8'));
    const list = Buffer.from(saved.entries[0][6], 'base64');
    list[0]! ^= 1;
    saved.entries[0][6] = list.toString('base64');
    await fs.writeFile(file, JSON.stringify(saved));
    index = await HashIndex.open({ file, workers: 1 });
    expect(await md5('big.bin')).toBe(md5Of(big)); // the MD5 is kept
    expect((await chunks('big.bin')).chunks.equals(expectedChunks(big).chunks)).toBe(true);
    expect(index.stats.bytesHashed).toBe(big.length);
  });

  it('reads the MD5s of a version-1 file', async () => {
    const file = path.join(share.outside, 'index.json');
    const stat = await fs.stat(share.abs('small.txt'));
    await fs.writeFile(file, JSON.stringify({ version: 1, entries: [[stat.dev, stat.ino, stat.size, stat.mtimeMs, md5Of('hello')]] }));
    index = await HashIndex.open({ file, workers: 1 });
    expect(await md5('small.txt')).toBe(md5Of('hello'));
    expect(index.stats.bytesHashed).toBe(0);
  });

  it('starts empty from a missing or corrupt file', async () => {
    const file = path.join(share.outside, 'index.json');
    await fs.writeFile(file, '{"version":1,"entries":[[1,2,');
    index = await HashIndex.open({ file, workers: 1 });
    expect(index.size).toBe(0);
    expect(await md5('small.txt')).toBe(md5Of('hello'));
    await index.flush();
    const saved = JSON.parse(await fs.readFile(file, 'utf8'));
    expect(saved.entries).toHaveLength(1);
    expect(saved.entries[0][4]).toBe(md5Of('hello'));
  });
});

describe('hashTree', () => {
  const byPath = (rs: HashRecord[]) => [...rs].sort((a, b) => (a.path < b.path ? -1 : 1));

  async function collect(options: { path?: string; rehash?: boolean; signal?: AbortSignal } = {}): Promise<HashRecord[]> {
    const store = await ShareStore.open(share.root);
    const out: HashRecord[] = [];
    for await (const r of hashTree(store, index!, options)) out.push(r);
    return out;
  }

  it('hashes every visible file, in parallel, matching node:crypto', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 30; i++) files[`tree/d${i % 4}/f${i}.bin`] = randomBytes(1000 + i * 7919);
    await share.write({ ...files, 'tree/.hidden': 'h', 'tree/.ferry-upload-x': 'tmp' });
    index = await HashIndex.open({ workers: 2 });
    const got = byPath(await collect({ path: 'tree' }));
    const expected = Object.entries(files)
      .map(([p, data]) => ({ path: p, md5: md5Of(data), size: data.length, mtimeMs: DEFAULT_MTIME_MS }))
      .sort((a, b) => (a.path < b.path ? -1 : 1));
    expect(got).toEqual(expected);
    expect(index.stats.misses).toBe(30);
    expect(index.peakParallel).toBe(2);
    // A second run reads nothing; --rehash reads everything again.
    await collect({ path: 'tree' });
    expect(index.stats).toMatchObject({ hits: 30, misses: 30 });
    await collect({ path: 'tree', rehash: true });
    expect(index.stats.misses).toBe(60);
  });

  it('reports a file it cannot read as an error record instead of leaving it out', async () => {
    index = await HashIndex.open({ workers: 1 });
    const real = index;
    // Root reads anything whatever its mode: the refusal comes from the index instead.
    const refusing = Object.create(real) as HashIndex;
    refusing.md5 = (abs, stat, options) =>
      abs.endsWith('small.txt') ? Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })) : real.md5(abs, stat, options);
    const store = await ShareStore.open(share.root);
    const out: HashRecord[] = [];
    for await (const r of hashTree(store, refusing, {})) out.push(r);
    expect(byPath(out)).toEqual([
      expect.objectContaining({ path: 'big.bin', md5: md5Of(big) }),
      expect.objectContaining({ path: 'empty.txt', md5: md5Of('') }),
      { path: 'small.txt', md5: '', size: 5, mtimeMs: DEFAULT_MTIME_MS, error: ErrorCode.Forbidden, message: 'cannot be read (EACCES)' },
    ]);
  });

  it('covers the whole share by default and stops when aborted', async () => {
    index = await HashIndex.open({ workers: 1 });
    expect(byPath(await collect()).map((r) => r.path)).toEqual(['big.bin', 'empty.txt', 'small.txt']);
    const controller = new AbortController();
    controller.abort();
    expect(await collect({ rehash: true, signal: controller.signal })).toEqual([]);
  });

  it('ends with SHUTTING_DOWN if the index closes mid-run', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 20; i++) files[`many/f${i}`] = randomBytes(200_000);
    await share.write(files);
    index = await HashIndex.open({ workers: 1 });
    const store = await ShareStore.open(share.root);
    const run = (async () => {
      for await (const _ of hashTree(store, index!, { path: 'many', rehash: true })) await index!.close();
    })();
    await expect(run).rejects.toMatchObject({ code: ErrorCode.ShuttingDown });
  });
});
