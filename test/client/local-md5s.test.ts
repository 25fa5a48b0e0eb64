import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localMd5s } from '../../src/client/local-md5s.js';
import { scratchDir } from '../helpers/scratch.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

describe('localMd5s', () => {
  it('gives each path its MD5 in order, null where there is no regular file', async () => {
    const dir = await scratchDir();
    await writeFile(join(dir, 'a.txt'), 'alpha');
    await writeFile(join(dir, 'empty'), '');
    await mkdir(join(dir, 'sub'));
    const got = await localMd5s([join(dir, 'a.txt'), join(dir, 'missing'), join(dir, 'sub'), join(dir, 'empty'), join(dir, 'nodir', 'x')]);
    expect(got).toEqual([md5('alpha'), null, null, md5(''), null]);
  });

  it('hashes a file larger than one read a piece at a time, and many lists at once', async () => {
    const dir = await scratchDir();
    const big = Buffer.alloc(2.5 * 1024 * 1024 + 7);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 11)) & 0xff;
    await writeFile(join(dir, 'big.bin'), big);
    const names = Array.from({ length: 300 }, (_, i) => `f${i}`);
    await Promise.all(names.map((n) => writeFile(join(dir, n), n.repeat(40))));
    const lists = [['big.bin', ...names.slice(0, 100)], names.slice(100, 200), names.slice(200)];
    const got = await Promise.all(lists.map((l) => localMd5s(l.map((n) => join(dir, n)))));
    expect(got[0]![0]).toBe(createHash('md5').update(big).digest('hex'));
    expect(got.flat().slice(1)).toEqual(names.map((n) => md5(n.repeat(40))));
  });

  it('an empty list reads nothing', async () => {
    expect(await localMd5s([])).toEqual([]);
  });
});
