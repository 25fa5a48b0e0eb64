import { appendFile, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalHashIndex } from '../../src/client/local-index.js';
import { ChunkHasher } from '../../src/protocol/chunk-hash.js';
import { scratchDir } from '../helpers/scratch.js';

function rootOf(data: Buffer): string {
  const h = new ChunkHasher(data.length);
  h.update(data);
  return h.finish().blake3;
}

async function setup(files = 3) {
  const dir = await scratchDir();
  const contents = Array.from({ length: files }, (_, i) => Buffer.alloc(3000 + i, i + 1));
  const paths = contents.map((_, i) => join(dir, `f${i}.bin`));
  await Promise.all(paths.map((p, i) => writeFile(p, contents[i]!)));
  return { dir, file: join(dir, 'index.jsonl'), contents, paths };
}

async function hashAll(index: LocalHashIndex, paths: string[]): Promise<string[]> {
  return Promise.all(paths.map(async (p) => (await index.hash(p, await stat(p))).blake3));
}

describe('the local hash index', () => {
  it('gives the same root as the chunk hasher, and a reopened index answers without reading a byte', async () => {
    const { file, contents, paths } = await setup();
    const first = await LocalHashIndex.open({ file, workers: 2 });
    expect(await hashAll(first, paths)).toEqual(contents.map(rootOf));
    expect(first.stats.bytesRead).toBe(contents.reduce((n, c) => n + c.length, 0));
    await first.close();

    const second = await LocalHashIndex.open({ file, workers: 2 });
    expect(await hashAll(second, paths)).toEqual(contents.map(rootOf));
    expect(second.stats).toMatchObject({ bytesRead: 0, misses: 0, hits: paths.length });
    await second.close();
  });

  it('answers a known root without reading (knownRoot), and only for the version it was hashed at; a log with a file hashed twice keeps the newer', async () => {
    const { file, contents, paths } = await setup(2);
    const first = await LocalHashIndex.open({ file, workers: 1 });
    const before = await stat(paths[0]!);
    expect(first.knownRoot(before)).toBeUndefined();
    await hashAll(first, paths);
    expect(first.knownRoot(before)).toBe(rootOf(contents[0]!));
    await writeFile(paths[0]!, 'changed');
    const after = await stat(paths[0]!);
    expect(first.knownRoot(after)).toBeUndefined();
    expect(await hashAll(first, paths.slice(0, 1))).toEqual([rootOf(Buffer.from('changed'))]);
    await first.close();

    const second = await LocalHashIndex.open({ file, workers: 1 });
    expect(second.size).toBe(2);
    expect(second.knownRoot(after)).toBe(rootOf(Buffer.from('changed')));
    expect(second.knownRoot(before)).toBeUndefined();
    expect(second.knownRoot(await stat(paths[1]!))).toBe(rootOf(contents[1]!));
    expect(second.stats).toMatchObject({ bytesRead: 0, misses: 0, hits: 2 });
    await second.close();
  });

  it('reads a file again once it changed (new size or time)', async () => {
    const { file, paths } = await setup(1);
    const index = await LocalHashIndex.open({ file, workers: 1 });
    await hashAll(index, paths);
    await writeFile(paths[0]!, 'something else');
    expect(await hashAll(index, paths)).toEqual([rootOf(Buffer.from('something else'))]);
    expect(index.stats.misses).toBe(2);
    await index.close();
  });

  it('is not fooled by a file rewritten in place with its size and time put back (its ctime moved)', async () => {
    const { file, paths } = await setup(1);
    const index = await LocalHashIndex.open({ file, workers: 1 });
    await utimes(paths[0]!, 1_700_000_000, 1_700_000_000); // whole seconds: put back exactly below
    const before = await stat(paths[0]!);
    await hashAll(index, paths);
    const other = Buffer.alloc(before.size, 0xee);
    await writeFile(paths[0]!, other);
    await utimes(paths[0]!, 1_700_000_000, 1_700_000_000);
    const after = await stat(paths[0]!);
    expect([after.size, after.mtimeMs]).toEqual([before.size, before.mtimeMs]);
    expect(await hashAll(index, paths)).toEqual([rootOf(other)]);
    await index.close();
  });

  it('drops a torn last line quietly and keeps the rest', async () => {
    const { file, paths } = await setup(2);
    const first = await LocalHashIndex.open({ file, workers: 1 });
    await hashAll(first, paths);
    await first.close();
    await appendFile(file, '[1,2,3'); // an append cut by a crash
    const warnings: string[] = [];
    const second = await LocalHashIndex.open({ file, workers: 1, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([]);
    expect(second.size).toBe(2);
    await hashAll(second, paths);
    expect(second.stats.bytesRead).toBe(0);
    await second.close();
    // Rewritten whole: every line parses again.
    expect((await readFile(file, 'utf8')).endsWith('\n')).toBe(true);
  });

  it('starts afresh from a damaged log, says so once, and is sound again after', async () => {
    const { file, contents, paths } = await setup(2);
    const first = await LocalHashIndex.open({ file, workers: 1 });
    await hashAll(first, paths);
    await first.close();
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines[1] = '{"not": "an entry"}';
    await writeFile(file, lines.join('\n'));

    const warnings: string[] = [];
    const second = await LocalHashIndex.open({ file, workers: 1, warn: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/damaged .*starting it afresh/);
    expect(second.size).toBe(0);
    expect(await hashAll(second, paths)).toEqual(contents.map(rootOf));
    expect(second.stats.bytesRead).toBeGreaterThan(0);
    await second.close();

    const third = await LocalHashIndex.open({ file, workers: 1, warn: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    await hashAll(third, paths);
    expect(third.stats.bytesRead).toBe(0);
    await third.close();
  });

  it('treats a file that is not an index at all as damaged', async () => {
    const { file } = await setup(0);
    await writeFile(file, 'garbage\n');
    const warnings: string[] = [];
    const index = await LocalHashIndex.open({ file, workers: 1, warn: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    await index.close();
  });

  it('rewrites the log once it holds more than twice what is remembered', async () => {
    const { file, paths } = await setup(1);
    const index = await LocalHashIndex.open({ file, workers: 1 });
    const st = await stat(paths[0]!);
    // The same file remembered 3,000 times (as if it changed that often): one entry, a log kept short.
    for (let i = 0; i < 3000; i++) index.remember({ ...st, mtimeMs: st.mtimeMs + i }, { blake3: 'a'.repeat(64) });
    await index.close();
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(index.size).toBe(1);
    expect(lines.length).toBeLessThan(2 * 1024 + 2);
  });
});
