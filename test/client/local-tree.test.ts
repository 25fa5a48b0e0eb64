import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type LocalItem, walkLocal, walkLocalFolders } from '../../src/client/local-tree.js';
import { scratchDir } from '../helpers/scratch.js';

async function walk(root: string, hidden = false): Promise<Map<string, LocalItem>> {
  const out = new Map<string, LocalItem>();
  for await (const item of walkLocal(root, { hidden })) out.set(item.path, item);
  return out;
}

describe('walkLocal', () => {
  it("lists files and folders a folder before its contents, leaving out hidden names unless asked and ferry's own always", async () => {
    const base = await scratchDir();
    const root = join(base, 'root');
    await mkdir(join(root, 'sub/deeper'), { recursive: true });
    await mkdir(join(root, '.ferry-trash/2026'), { recursive: true });
    await writeFile(join(root, 'a.txt'), 'a');
    await writeFile(join(root, 'sub/deeper/b.txt'), 'bb');
    await writeFile(join(root, '.hidden'), 'h');
    await writeFile(join(root, 'sub/.c.txt.ferry-part'), 'part');
    await writeFile(join(root, '.ferry-trash/2026/old.txt'), 'old');
    const items = await walk(root);
    expect([...items.keys()]).toEqual(expect.arrayContaining(['a.txt', 'sub', 'sub/deeper', 'sub/deeper/b.txt']));
    expect(items.size).toBe(4);
    expect([...items.keys()].indexOf('sub')).toBeLessThan([...items.keys()].indexOf('sub/deeper/b.txt'));
    expect(items.get('sub/deeper/b.txt')).toMatchObject({ type: 'file', size: 2, id: { size: 2 } });
    const all = await walk(root, true);
    expect([...all.keys()].sort()).toEqual(['.hidden', 'a.txt', 'sub', 'sub/deeper', 'sub/deeper/b.txt']);
  });

  it('follows links inside the folder, enters a loop once, and reports links out or to nothing', async () => {
    const base = await scratchDir();
    const root = join(base, 'root');
    await mkdir(join(root, 'dir'), { recursive: true });
    await writeFile(join(root, 'dir/f.txt'), 'f');
    await writeFile(join(base, 'outside.txt'), 'secret');
    await symlink(join(root, 'dir'), join(root, 'dir/loop'));
    await symlink(join(root, 'dir/f.txt'), join(root, 'link.txt'));
    await symlink(join(base, 'outside.txt'), join(root, 'out.txt'));
    await symlink(join(root, 'missing'), join(root, 'dangling'));
    const items = await walk(root);
    expect(items.get('link.txt')).toMatchObject({ type: 'file', size: 1 });
    expect(items.get('out.txt')?.error).toMatch(/leads out/);
    expect(items.get('dangling')?.error).toMatch(/nothing/);
    // The loop is listed (a folder) but not entered again.
    expect(items.get('dir/loop')).toMatchObject({ type: 'dir' });
    expect([...items.keys()].filter((p) => p.startsWith('dir/loop/'))).toEqual([]);
  });

  it('yields nothing for a folder that does not exist', async () => {
    expect((await walk(join(await scratchDir(), 'nope'))).size).toBe(0);
  });

  it('hands out one folder at a time, each folder before its sub-folders and every sub-tree whole before the next', async () => {
    const base = await scratchDir();
    const root = join(base, 'root');
    for (const d of ['a/x', 'a/y', 'b/z']) await mkdir(join(root, d), { recursive: true });
    for (const f of ['top.txt', 'a/1.txt', 'a/x/2.txt', 'a/y/3.txt', 'b/4.txt', 'b/z/5.txt']) await writeFile(join(root, f), f);
    const folders: string[][] = [];
    for await (const items of walkLocalFolders(root)) folders.push(items.map((i) => i.path));
    const parent = (p: string) => p.slice(0, Math.max(0, p.lastIndexOf('/')));
    // Each batch is the children of one folder.
    for (const batch of folders) expect(new Set(batch.map(parent)).size).toBe(1);
    const order = folders.flat();
    expect(order.sort()).toEqual(['a', 'a/1.txt', 'a/x', 'a/x/2.txt', 'a/y', 'a/y/3.txt', 'b', 'b/4.txt', 'b/z', 'b/z/5.txt', 'top.txt']);
    const flat = folders.flat();
    const seen = [...(await walk(root)).keys()];
    expect(seen).toEqual(flat);
    // Depth first: once a top folder's walk starts, nothing of the other one comes until it ends.
    const tops = flat.filter((p) => p.includes('/')).map((p) => p.split('/')[0]);
    expect(tops.join('')).toMatch(/^(a+b+|b+a+)$/);
    for (const p of flat) if (p.includes('/')) expect(flat.indexOf(parent(p))).toBeLessThan(flat.indexOf(p));
  });
});
