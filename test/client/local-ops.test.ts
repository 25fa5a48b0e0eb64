// The local folder's file operations: the same results and the same failure
// codes as the share's, confined to the folder, never acting on the folder itself.

import { mkdir, readdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { LocalOps } from '../../src/client/local-ops.js';
import { LocalSide } from '../../src/client/local-side.js';
import { codeOf } from '../helpers/server.js';
import { scratchDir } from '../helpers/scratch.js';

let base: string;
let root: string;
let ops: LocalOps;

beforeEach(async () => {
  base = await scratchDir();
  root = join(base, 'local');
  await mkdir(join(root, 'sub/deep'), { recursive: true });
  await writeFile(join(root, 'a.txt'), 'alpha');
  await writeFile(join(root, 'sub/b.txt'), 'beta');
  await writeFile(join(root, 'sub/deep/c.txt'), 'gamma');
  await mkdir(join(base, 'outside'));
  await writeFile(join(base, 'outside/keep.txt'), 'keep');
  ops = new LocalOps(new LocalSide(root));
});

describe('LocalOps', () => {
  it('makes folders, with parents too, and says EXISTS for a taken name', async () => {
    expect(await ops.mkdir('new')).toEqual({ path: 'new', created: true });
    expect(await codeOf(ops.mkdir('new'))).toBe('EXISTS');
    expect(await codeOf(ops.mkdir('x/y'))).toBe('NOT_FOUND');
    expect(await ops.mkdir('x/y', { parents: true })).toEqual({ path: 'x/y', created: true });
    expect(await ops.mkdir('x/y', { parents: true })).toEqual({ path: 'x/y', created: false });
  });

  it('moves files and folders, refusing to overwrite unless asked and a folder into itself', async () => {
    await ops.move('a.txt', 'sub/a.txt');
    expect(await readFile(join(root, 'sub/a.txt'), 'utf8')).toBe('alpha');
    expect(await codeOf(ops.move('sub/b.txt', 'sub/a.txt'))).toBe('EXISTS');
    await ops.move('sub/b.txt', 'sub/a.txt', { overwrite: true });
    expect(await readFile(join(root, 'sub/a.txt'), 'utf8')).toBe('beta');
    expect(await codeOf(ops.move('sub', 'sub/deep/sub'))).toBe('BAD_REQUEST');
    await ops.move('sub', 'moved');
    expect((await readdir(join(root, 'moved'))).sort()).toEqual(['a.txt', 'deep']);
    expect(await codeOf(ops.move('nothing', 'x'))).toBe('NOT_FOUND');
  });

  it('removes a file, an empty folder, and a full one only with recursive (counting entries)', async () => {
    expect(await ops.remove('a.txt')).toEqual({ path: 'a.txt', removed: 1 });
    expect(await codeOf(ops.remove('sub'))).toBe('NOT_EMPTY');
    const seen: number[] = [];
    expect(await ops.remove('sub', { recursive: true, onProgress: (n) => seen.push(n) })).toEqual({ path: 'sub', removed: 4 });
    expect(seen.at(-1)).toBe(4);
    expect(await readdir(root)).toEqual([]);
  });

  it('copies a file (with its time) and a folder, refusing a taken name', async () => {
    await utimes(join(root, 'a.txt'), 1_600_000_000, 1_600_000_000);
    expect(await ops.copy('a.txt', 'a2.txt')).toMatchObject({ files: 1, bytes: 5 });
    expect((await stat(join(root, 'a2.txt'))).mtimeMs).toBe(1_600_000_000_000);
    expect(await codeOf(ops.copy('a.txt', 'a2.txt'))).toBe('EXISTS');
    expect(await ops.copy('sub', 'sub2')).toMatchObject({ files: 2, folders: 1, bytes: 9 });
    expect(await readFile(join(root, 'sub2/deep/c.txt'), 'utf8')).toBe('gamma');
    expect(await codeOf(ops.copy('sub', 'sub/deep/again'))).toBe('BAD_REQUEST');
    expect((await readdir(root)).sort()).toEqual(['a.txt', 'a2.txt', 'sub', 'sub2']);
  });

  it('stays inside the folder and never acts on the folder itself', async () => {
    for (const p of ['../outside/keep.txt', '../outside', '../../x']) {
      expect(await codeOf(ops.remove(p, { recursive: true }))).toBe('OUTSIDE_SHARE');
      expect(await codeOf(ops.move('a.txt', p))).toBe('OUTSIDE_SHARE');
      expect(await codeOf(ops.copy(p, 'x'))).toBe('OUTSIDE_SHARE');
      expect(await codeOf(ops.mkdir(p))).toBe('OUTSIDE_SHARE');
    }
    for (const p of ['', '.', '/', 'sub/..']) {
      expect(await codeOf(ops.remove(p, { recursive: true }))).toBe('FORBIDDEN');
      expect(await codeOf(ops.move(p, 'x'))).toBe('FORBIDDEN');
    }
    // A link is removed as a link.
    await symlink(join(base, 'outside'), join(root, 'out'));
    expect(await ops.remove('out', { recursive: true })).toEqual({ path: 'out', removed: 1 });
    expect(await readFile(join(base, 'outside/keep.txt'), 'utf8')).toBe('keep');
  });
});
