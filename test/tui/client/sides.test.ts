import { createHash } from 'node:crypto';
import { symlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalSide, localMd5 } from '../../../src/client/local-side.js';
import { RemoteSide } from '../../../src/client/remote-side.js';
import { FakeFerry } from '../../helpers/fake-client.js';
import { localFolder } from '../harness.js';

describe('LocalSide', () => {
  const root = localFolder({
    'a.txt': 'hello budget',
    'B.JPG': 'jpeg',
    '.hidden': 'h',
    'sub/deep.txt': 'the budget again',
    'sub/bin.dat': 'budget\u0000binary',
  });
  const side = new LocalSide(root);

  it('lists one folder with types, sizes and lower-case extensions', async () => {
    const es = await side.list({});
    expect(es.map((e) => e.name).sort()).toEqual(['B.JPG', 'a.txt', 'sub']);
    const b = es.find((e) => e.name === 'B.JPG')!;
    expect(b).toMatchObject({ path: 'B.JPG', ext: '.jpg', size: 4, type: 'file' });
    expect(es.find((e) => e.name === 'sub')).toMatchObject({ type: 'dir', ext: '', size: 0 });
    expect((await side.list({ path: 'sub' })).map((e) => e.path).sort()).toEqual(['sub/bin.dat', 'sub/deep.txt']);
  });

  it('includes hidden files only when asked', async () => {
    expect((await side.list({ hidden: true })).map((e) => e.name)).toContain('.hidden');
  });

  it('filters by extension and by time, strictly', async () => {
    expect((await side.list({ ext: '.JPG' })).map((e) => e.name)).toEqual(['B.JPG']);
    const t = new Date(2020, 0, 1).getTime();
    utimesSync(join(root, 'a.txt'), t / 1000, t / 1000);
    expect((await side.list({ before: t + 1 })).map((e) => e.name)).toEqual(['a.txt']);
    expect((await side.list({ after: t })).map((e) => e.name)).not.toContain('a.txt');
  });

  it('searches text files recursively for a keyword, skipping binaries, in smart case', async () => {
    const hits = await side.list({ keyword: 'budget', recursive: true });
    expect(hits.map((e) => e.path).sort()).toEqual(['a.txt', 'sub/deep.txt']);
    // A capital makes the search exact.
    expect(await side.list({ keyword: 'BUDGET', recursive: true })).toEqual([]);
  });

  it('finds names in the tree below, folders too, in smart case', async () => {
    expect((await side.list({ name: 'E', recursive: true })).map((e) => e.path).sort()).toEqual([]);
    expect((await side.list({ name: 'deep', recursive: true })).map((e) => e.path)).toEqual(['sub/deep.txt']);
    expect((await side.list({ name: 'su', recursive: true })).map((e) => e.path)).toEqual(['sub']);
  });

  it('streams a walk batch by batch and stops when aborted', async () => {
    const wide = localFolder(Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`d${i % 3}/f${i}.txt`, 'x'])));
    const all = await new LocalSide(wide).listStream({ recursive: true }, { onBatch: () => {} });
    expect(all).toBe(603);
    const controller = new AbortController();
    let batches = 0;
    const seen = await new LocalSide(wide).listStream(
      { recursive: true },
      {
        signal: controller.signal,
        onBatch: () => {
          batches++;
          controller.abort();
        },
      },
    );
    expect(batches).toBe(1);
    expect(seen).toBeLessThan(all);
  });

  it('reads a byte range, answering nothing past the end', async () => {
    const r = await side.read('a.txt', { offset: 6, count: 3 });
    expect(r.bytes.toString()).toBe('bud');
    expect(r.size).toBe(12);
    expect((await side.read('a.txt', { offset: 50 })).bytes.length).toBe(0);
    await expect(side.read('../x')).rejects.toThrow(/outside/);
  });

  it('refuses paths outside the root', async () => {
    expect(() => side.resolve('../etc')).toThrow(/outside/);
    await expect(side.list({ path: '../..' })).rejects.toThrow(/outside/);
    expect(side.resolve('/sub')).toBe(join(root, 'sub'));
  });

  it('browses a link to a folder as a folder', async () => {
    symlinkSync(join(root, 'sub'), join(root, 'link'));
    expect((await side.list({})).find((e) => e.name === 'link')?.type).toBe('dir');
  });

  it('shows a dangling link as a broken link with its text, not hidden; filters leave it out', async () => {
    const r = localFolder({ 'a.txt': 'x' });
    symlinkSync('gone.txt', join(r, 'dangling.txt'));
    symlinkSync('loop-b', join(r, 'loop-a'));
    symlinkSync('loop-a', join(r, 'loop-b'));
    const es = await new LocalSide(r).list({});
    expect(es.find((e) => e.name === 'dangling.txt')).toMatchObject({ type: 'link', link: 'dangling', target: 'gone.txt', size: 0 });
    expect(es.find((e) => e.name === 'loop-a')).toMatchObject({ type: 'link', link: 'dangling', target: 'loop-b' });
    expect((await new LocalSide(r).list({ ext: '.txt' })).map((e) => e.name)).toEqual(['a.txt']);
  });

  it('hashes a file by streaming, and says null when there is none', async () => {
    expect(await localMd5(join(root, 'a.txt'))).toBe(createHash('md5').update('hello budget').digest('hex'));
    expect(await localMd5(join(root, 'nope.txt'))).toBeNull();
    expect(await localMd5(join(root, 'sub'))).toBeNull();
  });
});

describe('RemoteSide', () => {
  it('passes list options through to the API and labels itself by address', async () => {
    const api = new FakeFerry([{ path: 'x.txt', content: 'x' }]);
    const side = new RemoteSide(api);
    expect(side.kind).toBe('remote');
    expect(side.label).toBe('127.0.0.1:2003');
    expect((await side.list({ ext: '.txt' })).map((e) => e.name)).toEqual(['x.txt']);
    expect(api.listCalls).toEqual([{ ext: '.txt' }]);
  });
});
