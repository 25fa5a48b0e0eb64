import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/errors.js';
import { HashPool } from '../../src/hashing/hash-worker.js';
import { md5Of } from '../helpers/temp-share.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-pool-'));
});
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

describe('HashPool', () => {
  it('runs at most `size` jobs at once and reports the identity it read', async () => {
    const pool = new HashPool(2);
    try {
      const files = await Promise.all(
        [0, 1, 2, 3, 4].map(async (i) => {
          const data = randomBytes(300_000 + i);
          const file = path.join(dir, `f${i}`);
          await fs.writeFile(file, data);
          return { file, data, stat: await fs.stat(file) };
        }),
      );
      const results = await Promise.all(files.map((f) => pool.hash(f.file)));
      results.forEach((r, i) => {
        const { data, stat } = files[i]!;
        expect(r.md5).toBe(md5Of(data));
        expect(r.bytes).toBe(data.length);
        expect(r.before).toEqual({ dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs });
        expect(r.after).toEqual(r.before);
      });
      expect(pool.peakBusy).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('maps read failures to codes without echoing server paths', async () => {
    const pool = new HashPool(1);
    try {
      const missing = path.join(dir, 'missing');
      const err = await pool.hash(missing).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: ErrorCode.NotFound });
      expect((err as Error).message).not.toContain(dir);
      await expect(pool.hash(dir)).rejects.toMatchObject({ code: ErrorCode.NotAFile });
    } finally {
      await pool.close();
    }
  });

  it('reads a batch of files in one job: each result or error in order, as single jobs give them', async () => {
    const pool = new HashPool(1);
    try {
      const a = path.join(dir, 'batch-a');
      const b = path.join(dir, 'batch-b');
      await fs.writeFile(a, randomBytes(5000));
      await fs.writeFile(b, randomBytes(70_000));
      const results = await pool.hashBatch([a, path.join(dir, 'batch-missing'), b, dir], { md5: false });
      expect(results).toHaveLength(4);
      const [ra, missing, rb, folder] = results;
      expect(ra).toEqual(await pool.hash(a, { md5: false }));
      expect(rb).toEqual(await pool.hash(b, { md5: false }));
      expect(ra).not.toHaveProperty('md5');
      expect(missing).toMatchObject({ code: ErrorCode.NotFound });
      expect(folder).toMatchObject({ code: ErrorCode.NotAFile });
    } finally {
      await pool.close();
    }
  });

  it('runs background jobs after every job that waits', async () => {
    // One worker: completion order is start order.
    const pool = new HashPool(1);
    try {
      const file = path.join(dir, 'order');
      await fs.writeFile(file, randomBytes(500_000));
      const order: string[] = [];
      const track = (name: string, p: Promise<unknown>) => p.then(() => order.push(name));
      await Promise.all([
        track('later-1', pool.hash(file, { background: true })), // the worker is free: it starts at once
        track('later-2', pool.hash(file, { background: true })),
        track('now-1', pool.hash(file)),
        track('now-2', pool.hash(file)),
      ]);
      expect(order).toEqual(['later-1', 'now-1', 'now-2', 'later-2']);
      expect(pool.waiting).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it('runs one background job at a time, however many workers are idle', async () => {
    const pool = new HashPool(2);
    try {
      const file = path.join(dir, 'one-at-a-time');
      await fs.writeFile(file, randomBytes(500_000));
      await Promise.all([1, 2, 3].map(() => pool.hash(file, { background: true })));
      expect(pool.peakBusy).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('reads the MD5 alone: the same digest and identity as a full read, no chunk list', async () => {
    const pool = new HashPool(1);
    try {
      for (const [name, data] of [
        ['md5-big', randomBytes(1024 * 1024 * 2 + 777)], // several reads in the pool, the last short
        ['md5-exact', randomBytes(1024 * 1024)], // one block: read on the worker's thread
        ['md5-small', randomBytes(5000)],
        ['md5-empty', Buffer.alloc(0)],
      ] as const) {
        const file = path.join(dir, name);
        await fs.writeFile(file, data);
        const stat = await fs.stat(file);
        const r = await pool.md5(file);
        expect(r).toEqual({
          md5: md5Of(data),
          bytes: data.length,
          before: { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs },
          after: { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs },
        });
      }
      await expect(pool.md5(path.join(dir, 'md5-missing'))).rejects.toMatchObject({ code: ErrorCode.NotFound });
      await expect(pool.md5(dir)).rejects.toMatchObject({ code: ErrorCode.NotAFile });
      // A full read after an MD5-only one on the same worker still cuts chunks right.
      const file = path.join(dir, 'md5-big');
      const full = await pool.hash(file);
      expect(full.md5).toBe(md5Of(await fs.readFile(file)));
      expect(full.chunks.length).toBe(3 * 32);
    } finally {
      await pool.close();
    }
  });

  it('starts its workers before any job when asked, and runs jobs on them', async () => {
    const pool = new HashPool(2);
    try {
      expect(pool.alive).toBe(0);
      pool.start();
      pool.start(); // idempotent
      expect(pool.alive).toBe(2);
      const file = path.join(dir, 'started');
      const data = randomBytes(200_000);
      await fs.writeFile(file, data);
      const [a, b] = await Promise.all([pool.md5(file), pool.hash(file, { md5: false })]);
      expect(a.md5).toBe(md5Of(data));
      expect(b.bytes).toBe(data.length);
      expect(pool.alive).toBe(2);
      expect(pool.peakBusy).toBe(2);
    } finally {
      await pool.close();
    }
    expect(pool.alive).toBe(0);
  });

  it('refuses work after close', async () => {
    const pool = new HashPool(1);
    await pool.close();
    await expect(pool.hash(path.join(dir, 'x'))).rejects.toMatchObject({ code: ErrorCode.ShuttingDown });
  });
});
