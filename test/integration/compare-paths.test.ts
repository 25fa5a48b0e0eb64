// Comparing a few paths (what `ferry sync --watch` does with the paths a watch
// reported) puts each in the same category as comparing the whole tree does,
// whether the server's side comes from a stat per path or from one listing of
// their folder; and a path on neither side is simply not there.

import { promises as fs } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { comparePaths, LIST_FOLDER_FROM } from '../../src/client/compare-paths.js';
import { compareTrees, type Difference } from '../../src/client/compare.js';
import { LocalHashIndex } from '../../src/client/local-index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createTempShare, DEFAULT_MTIME_MS as T, type ShareSpec, type TempShare } from '../helpers/temp-share.js';

let server: TestServer | undefined;
let here: TempShare | undefined;
afterEach(async () => {
  await server?.close();
  await here?.remove();
  server = here = undefined;
});

const byPath = (diffs: Difference[]) => Object.fromEntries(diffs.map((d) => [d.path, d.category]));

describe('comparePaths', () => {
  it('gives each path the category a whole comparison gives it, by stat or by listing its folder', async () => {
    const remote: ShareSpec = {
      'same.txt': { content: 'same\n', mtime: T },
      'changed.txt': { content: 'content one\n', mtime: T },
      'touched.txt': { content: 'touched\n', mtime: T },
      'server-only.txt': 'only there\n',
      'server-empty/': {},
      clash: 'a file on the server\n',
      'deep/a/c.txt': { content: 'deep\n', mtime: T },
    };
    const local: ShareSpec = {
      'same.txt': { content: 'same\n', mtime: T },
      'changed.txt': { content: 'content two\n', mtime: T },
      'touched.txt': { content: 'touched\n', mtime: T + 60_000 },
      'here-only.txt': 'only here\n',
      'clash/inside.txt': 'a folder here\n',
      'deep/a/c.txt': { content: 'deep\n', mtime: T },
    };
    // Enough siblings in one folder that the server's side comes from one listing of it.
    for (let i = 0; i < LIST_FOLDER_FROM; i++) {
      remote[`many/f${i}.txt`] = { content: `f${i}`, mtime: T };
      local[`many/f${i}.txt`] = { content: i % 2 ? `f${i}` : `g${i}`, mtime: T };
    }
    server = await startTestServer(Object.fromEntries(Object.entries(remote).map(([k, v]) => [`dir/${k}`, v])));
    here = await createTempShare(local);
    await fs.symlink(here.sentinel, here.abs('leads-out.txt'));
    const client = await server.connect({ noCache: true });
    const index = await LocalHashIndex.open({ file: null, workers: 1 });
    try {
      const whole = await compareTrees(client, 'dir', here.root, { index });
      const some = await comparePaths(client, 'dir', here.root, [...whole.map((d) => d.path), 'on-neither-side.txt', '.ferry-trash/x'], { index });
      expect(byPath(some)).toEqual(byPath(whole));
      expect(byPath(some)['leads-out.txt']).toBe('unreadable');
      expect(byPath(some)['many/f0.txt']).toBe('differs');
      expect(byPath(some)['many/f1.txt']).toBe('identical');
      // A few paths: only those.
      expect(byPath(await comparePaths(client, 'dir', here.root, ['changed.txt', 'server-empty', 'nothing'], { index }))).toEqual({
        'changed.txt': 'differs',
        'server-empty': 'remote-only',
      });
    } finally {
      await index.close();
    }
  });
});
