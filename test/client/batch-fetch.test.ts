// Small files in batches, client side, against a real server: a file whose
// bytes do not match their root fails alone and never appears, a file that
// appeared meanwhile is kept, times are the server's, conflict policies hold
// for a folder, and a connection lost mid-batch costs a retry, not the batch.

import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchBatch } from '../../src/client/batch-fetch.js';
import { scratchDir } from '../helpers/scratch.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { startTcpRelay } from '../helpers/tcp-relay.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const MTIME_S = 1_600_000_000;

let t: TestServer;
let dest: string;
const first = randomBytes(400_000);
const others = { 'b.txt': randomBytes(5000), 'c.txt': randomBytes(1) };

beforeEach(async () => {
  t = await startTestServer({ 'a.bin': first, ...others });
  for (const name of ['a.bin', 'b.txt', 'c.txt']) await utimes(t.share.abs(name), MTIME_S, MTIME_S);
  dest = await scratchDir('ferry-dest-');
});
afterEach(async () => {
  await t.close();
});

const files = () => ['a.bin', 'b.txt', 'c.txt'].map((p) => ({ path: p, dest: join(dest, p) }));

describe('fetchBatch', () => {
  it('lands every file with the server’s time and MD5', async () => {
    const client = await t.connect({ noCache: true });
    const out = await fetchBatch(client, files());
    expect(out.map((o) => o.ok)).toEqual([true, true, true]);
    for (const o of out) {
      if (!o.ok) continue;
      const data = await readFile(o.file.dest);
      expect(o.result).toMatchObject({ verified: true, check: 'blake3', md5: md5(data), bytes: data.length, cache: 'bypass' });
      expect((await stat(o.file.dest)).mtimeMs).toBe(MTIME_S * 1000);
    }
    expect((await readFile(join(dest, 'a.bin'))).equals(first)).toBe(true);
    expect((await readdir(dest)).sort()).toEqual(['a.bin', 'b.txt', 'c.txt']); // no temp left
  });

  it('a flipped byte fails that file only: it never appears, the others of the batch land', async () => {
    const relay = await startTcpRelay({ host: '127.0.0.1', port: t.server.port });
    try {
      const client = await t.connect({ noCache: true, port: relay.port });
      relay.flipAt = 200_000; // inside a.bin's bytes, the first file of the batch
      const out = await fetchBatch(client, files());
      expect(out[0]).toMatchObject({ ok: false, error: { code: 'CHECKSUM_MISMATCH' } });
      expect(out.slice(1).map((o) => o.ok)).toEqual([true, true]);
      expect((await readdir(dest)).sort()).toEqual(['b.txt', 'c.txt']);
      expect((await readFile(join(dest, 'b.txt'))).equals(others['b.txt'])).toBe(true);
    } finally {
      await relay.close();
    }
  });

  it('keeps a file that appeared at a destination meanwhile, and says so for that file', async () => {
    const client = await t.connect({ noCache: true });
    await writeFile(join(dest, 'b.txt'), 'mine');
    const out = await fetchBatch(client, files());
    expect(out.map((o) => (o.ok ? 'ok' : o.error.code))).toEqual(['ok', 'EXISTS', 'ok']);
    expect(await readFile(join(dest, 'b.txt'), 'utf8')).toBe('mine');
    expect((await readdir(dest)).sort()).toEqual(['a.bin', 'b.txt', 'c.txt']);
  });
});

describe('a folder of small files', () => {
  const tree: Record<string, Buffer> = {};
  for (let i = 0; i < 600; i++) tree[`many/d${i % 3}/${String(i).padStart(3, '0')}.bin`] = randomBytes(1 + ((i * 977) % 16_384));

  it('arrives whole through batches, with the server’s times', async () => {
    await t.share.write(tree);
    await utimes(t.share.abs('many/d1/001.bin'), MTIME_S, MTIME_S);
    const client = await t.connect({ noCache: true });
    const requests = t.server.counters.requests;
    const seen: string[] = [];
    const r = await client.download('many', { dest, recursive: true, keepFiles: false, onFile: (f) => seen.push(f.path) });
    expect(r.files).toBeUndefined();
    expect(r.counts).toEqual({ files: 600, fetched: 600, identical: 0, skipped: 0, failed: 0 });
    expect(r.verified).toBe(true);
    expect(seen).toHaveLength(600);
    for (const [p, data] of Object.entries(tree)) expect((await readFile(join(dest, p))).equals(data)).toBe(true);
    expect((await stat(join(dest, 'many/d1/001.bin'))).mtimeMs).toBe(MTIME_S * 1000);
    // A few batches and the listing, not two requests a file.
    expect(t.server.counters.requests - requests).toBeLessThan(20);
  });

  it('keeps the conflict policies for files already here', async () => {
    await t.share.write(tree);
    const client = await t.connect({ noCache: true });
    await client.download('many', { dest, recursive: true });
    const [same, differs, older] = ['many/d0/000.bin', 'many/d1/001.bin', 'many/d2/002.bin'];
    await writeFile(join(dest, differs!), 'changed here');
    await writeFile(join(dest, older!), 'older here');
    await utimes(join(dest, older!), 1, 1);
    await expect(client.download('many', { dest, recursive: true })).rejects.toMatchObject({ code: 'EXISTS' });
    const skip = await client.download('many', { dest, recursive: true, existing: 'skip', keepFiles: false });
    expect(skip.counts).toMatchObject({ files: 600, identical: 598, skipped: 2, fetched: 0 });
    expect(await readFile(join(dest, differs!), 'utf8')).toBe('changed here');
    const newer = await client.download('many', { dest, recursive: true, existing: 'newer', keepFiles: false });
    expect(newer.counts).toMatchObject({ identical: 598, skipped: 1, fetched: 1 }); // only the older copy is replaced
    expect((await readFile(join(dest, older!))).equals(tree[older!]!)).toBe(true);
    const both = await client.download('many', { dest, recursive: true, existing: 'keep-both', keepFiles: false });
    expect(both.counts).toMatchObject({ identical: 599, fetched: 1 });
    expect(await readFile(join(dest, differs!), 'utf8')).toBe('changed here');
    expect((await readFile(join(dest, 'many/d1/001 (1).bin'))).equals(tree[differs!]!)).toBe(true);
    expect((await readFile(join(dest, same!))).equals(tree[same!]!)).toBe(true);
  });

  it('asks again for the files a lost connection cut off, and every file arrives once', async () => {
    await t.share.write(tree);
    const relay = await startTcpRelay({ host: '127.0.0.1', port: t.server.port });
    try {
      const client = await t.connect({ noCache: true, port: relay.port });
      relay.cutAfter = 1024 * 1024; // the first transfer connection to carry 1 MiB dies mid-batch
      void relay.cut().then(() => (relay.cutAfter = undefined));
      const r = await client.download('many', { dest, recursive: true, transfers: 1, keepFiles: false });
      expect(relay.cuts).toBe(1);
      expect(r.counts).toEqual({ files: 600, fetched: 600, identical: 0, skipped: 0, failed: 0 });
      for (const [p, data] of Object.entries(tree)) expect((await readFile(join(dest, p))).equals(data)).toBe(true);
      for (const d of ['d0', 'd1', 'd2']) expect((await readdir(join(dest, 'many', d))).every((n) => n.endsWith('.bin') && !n.startsWith('.'))).toBe(true);
    } finally {
      await relay.close();
    }
  });
});
