// Real processes sharing one cache folder, and real kill -9s. The cache is
// compiled once with tsc into node_modules/.cache (so its imports resolve)
// and driven by worker.mjs in child processes.

import type { ChildProcess } from 'node:child_process';
import { execa, execaSync } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DownloadCache } from '../../src/cache/cache.js';
import { expectConsistent, removeTempDirs, tempDir } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const worker = fileURLToPath(new URL('./worker.mjs', import.meta.url));
let build = '';
let cacheModule = '';

beforeAll(async () => {
  const base = path.join(root, 'node_modules', '.cache');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(base, { recursive: true });
  build = await mkdtemp(path.join(base, 'ferry-cache-test-'));
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = ['--ignoreConfig', '--outDir', build, '--rootDir', root, '--module', 'nodenext'];
  args.push('--moduleResolution', 'nodenext', '--target', 'es2023', '--skipLibCheck', '--types', 'node');
  const out = execaSync(process.execPath, [tsc, ...args, path.join(root, 'src/cache/cache.ts')], { reject: false });
  cacheModule = path.join(build, 'src', 'cache', 'cache.js');
  expect(out.exitCode, out.stdout + out.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  if (build) await rm(build, { recursive: true, force: true });
});
afterEach(removeTempDirs);

function run(dir: string, limit: number, work: string, ...rest: string[]): ChildProcess {
  // Output is read as it comes; a worker killed on purpose is not an error.
  return execa(process.execPath, [worker, cacheModule, dir, String(limit), work, ...rest], { stdin: 'ignore', reject: false, buffer: false });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
}

/** Resolves once the child has printed `count` lines. */
function linesSeen(child: ChildProcess, count: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      seen += d.toString().split('\n').length - 1;
      if (seen >= count) resolve();
    });
    child.on('exit', () => reject(new Error(`worker exited after ${seen} of ${count} lines`)));
  });
}

describe('several processes on one cache folder', () => {
  it('loses no entry when two processes admit at the same time', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const limit = 1024 * 1024;
    const children = ['p', 'q'].map((seed) => run(dir, limit, work, 'admit', seed, '20'));
    const results = await Promise.all(children.map(exited));
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });
    const cache = await DownloadCache.open({ dir, limit });
    const paths = (await cache.list()).map((e) => e.remotePath).sort();
    expect(paths).toHaveLength(40);
    expect(new Set(paths.map((p) => p.split('/')[0]))).toEqual(new Set(['p', 'q']));
    expect((await cache.stats()).misses).toBe(40);
    await expectConsistent(dir, limit);
  }, 60_000);

  it('keeps the size bound and the newest entries of both when two processes admit past the limit at once', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const limit = 40 * 1024; // 40 of the workers' 1 KiB files: each admits 150, so most are evicted
    const children = ['p', 'q'].map((seed) => run(dir, limit, work, 'admit', seed, '150'));
    const results = await Promise.all(children.map(exited));
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });
    const cache = await DownloadCache.open({ dir, limit });
    expect(cache.repairReport).toEqual({ tornIndex: false, adopted: [], dropped: [], deleted: [], evicted: [] });
    const entries = await cache.list();
    expect(entries).toHaveLength(40);
    expect(await cache.stats()).toMatchObject({ bytes: 40 * 1024, misses: 300 });
    // Least recently used went first, whichever process admitted it: what is
    // kept of each process is its last few files, without a gap.
    for (const seed of ['p', 'q']) {
      const kept = entries.filter((e) => e.remotePath.startsWith(`${seed}/`)).map((e) => Number(e.remotePath.slice(2)));
      expect(kept.sort((x, y) => x - y)).toEqual(Array.from({ length: kept.length }, (_, i) => 150 - kept.length + i));
    }
    // The last file admitted of all (one of the two 149s) is certainly kept.
    const order = entries.map((e) => e.remotePath);
    expect(order.includes('p/149') || order.includes('q/149')).toBe(true);
    await expectConsistent(dir, limit);
  }, 120_000);

  it('stays consistent after kill -9 at many points, with another process working alongside', async () => {
    const dir = await tempDir();
    const work = await tempDir();
    const limit = 20_000; // small, so eviction runs all the time
    for (const ops of [1, 3, 6, 10, 15, 21, 28]) {
      const victim = run(dir, limit, work, 'churn', `v${ops}`);
      const bystander = run(dir, limit, work, 'churn', `b${ops}`);
      const victimExit = exited(victim);
      const bystanderExit = exited(bystander);
      await Promise.all([linesSeen(victim, ops), linesSeen(bystander, 2)]);
      victim.kill('SIGKILL');
      bystander.kill('SIGKILL');
      expect((await victimExit).signal).toBe('SIGKILL');
      expect((await bystanderExit).signal).toBe('SIGKILL');
      await DownloadCache.open({ dir, limit });
      await expectConsistent(dir, limit);
    }
  }, 120_000);
});
