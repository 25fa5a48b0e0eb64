import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localFolderNames, remoteFolderNames } from '../../src/client/folder-names.js';
import { FakeFerry } from '../helpers/fake-client.js';
import { scratchDir } from '../helpers/scratch.js';

describe('folder names for completion', () => {
  it('lists local sub-folders, links to folders included, files and broken links not', async () => {
    const dir = await scratchDir();
    await mkdir(join(dir, 'a'));
    await mkdir(join(dir, '.hidden'));
    await writeFile(join(dir, 'f.txt'), 'x');
    await symlink(join(dir, 'a'), join(dir, 'link-to-a'));
    await symlink(join(dir, 'gone'), join(dir, 'dangling'));
    expect((await localFolderNames(dir)).sort()).toEqual(['.hidden', 'a', 'link-to-a']);
    await expect(localFolderNames(join(dir, 'nope'))).rejects.toThrow(/ENOENT/);
  });
  it('lists remote sub-folders from one non-recursive listing', async () => {
    const api = new FakeFerry([{ path: 'a/x.txt' }, { path: 'a/b/y.txt' }, { path: 'c/z' }, { path: 'top.txt' }]);
    expect(await remoteFolderNames(api, '')).toEqual(['a', 'c']);
    expect(await remoteFolderNames(api, 'a')).toEqual(['b']);
    expect(api.listCalls.at(-1)).toMatchObject({ path: 'a', recursive: false, hidden: true });
  });
});
