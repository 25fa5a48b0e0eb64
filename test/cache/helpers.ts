// Shared fixtures for the cache tests: temp folders, files with known hashes,
// a pid that is certainly dead, and a full consistency check of a cache folder.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { CacheHooks, CrashPoint } from '../../src/cache/cache.js';
import { totalBytes } from '../../src/cache/index-file.js';
import { IndexStore } from '../../src/cache/index-store.js';
import { layoutOf } from '../../src/cache/layout.js';
import { ChunkHasher } from '../../src/protocol/chunk-hash.js';

const made: string[] = [];

export async function tempDir(prefix = 'ferry-cache-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

export const md5Of = (data: Buffer | string) => createHash('md5').update(data).digest('hex');

/** The BLAKE3 root (protocol/chunk-hash.ts) of these bytes. */
export function rootOf(data: Buffer): string {
  const hasher = new ChunkHasher(data.length);
  hasher.update(data);
  return hasher.finish().blake3;
}

export interface Sample {
  path: string;
  blake3: string;
  md5: string;
  size: number;
  data: Buffer;
}

/** A file of `size` bytes whose content is derived from `seed`. */
export async function sample(dir: string, seed: string, size = 100): Promise<Sample> {
  const data = Buffer.alloc(size, seed);
  const p = path.join(dir, `${seed}-${size}.bin`);
  await writeFile(p, data);
  return { path: p, blake3: rootOf(data), md5: md5Of(data), size, data };
}

export const info = (s: Sample, remotePath = `docs/${s.md5.slice(0, 6)}.bin`, server = 'host:7000') => ({
  blake3: s.blake3,
  md5: s.md5,
  size: s.size,
  remotePath,
  server,
});

/** A pid that belonged to a process that has exited. */
export function deadPid(): number {
  // spawnSync, not execa: a dead child's pid is all this needs, and execa's sync result has none.
  const child = spawnSync(process.execPath, ['-e', '']);
  if (!child.pid) throw new Error('could not spawn a child to get a dead pid');
  return child.pid;
}

/**
 * Hooks that make an operation stop for good at `point`, leaving the disk as
 * a kill -9 would. Lock and temp names carry a dead pid, so to the next
 * process this one looks killed. `reached` resolves when the point is hit.
 */
export function freezeAt(point: CrashPoint): { hooks: CacheHooks; reached: Promise<void> } {
  let signal!: () => void;
  const reached = new Promise<void>((resolve) => (signal = resolve));
  const hooks: CacheHooks = {
    pid: deadPid(),
    at: (p) => {
      if (p !== point) return;
      signal();
      return new Promise<void>(() => {}); // never settles: the "process" is gone
    },
  };
  return { hooks, reached };
}

/**
 * The folder is exactly what the index (snapshot and journal) says: every entry has its file with
 * the right size, BLAKE3 root (its name) and MD5, there is no other file in objects/, no index temp,
 * no scratch file, and the total is within the limit.
 */
export async function expectConsistent(dir: string, limit: number): Promise<void> {
  const view = await new IndexStore(layoutOf(dir), { pid: process.pid }).refresh(false);
  expect(view.problem, 'the index (snapshot and journal) reads whole').toBeUndefined();
  const { data } = view;
  expect(view.bytes).toBe(totalBytes(data));
  const objects = (await readdir(path.join(dir, 'objects'))).sort();
  expect(objects).toEqual([...data.entries.keys()].sort());
  for (const [key, entry] of data.entries) {
    const content = await readFile(path.join(dir, 'objects', key));
    expect(content.length).toBe(entry.size);
    expect(rootOf(content)).toBe(key);
    expect(md5Of(content)).toBe(entry.md5);
  }
  expect((await readdir(dir)).filter((n) => n.startsWith('index.json.'))).toEqual([]);
  expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);
  expect(totalBytes(data)).toBeLessThanOrEqual(limit);
  await expect(stat(path.join(dir, 'lock'))).rejects.toMatchObject({ code: 'ENOENT' });
}

export async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}
