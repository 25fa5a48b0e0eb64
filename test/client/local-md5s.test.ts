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

  it('an empty list reads nothing', async () => {
    expect(await localMd5s([])).toEqual([]);
  });
});
