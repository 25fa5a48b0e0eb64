// Following a local folder (`ferry sync --watch --push`): every change is a
// path and a kind, new folders are followed with what was already in them,
// removed ones are let go, and ferry's own files are never news.

import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalTreeWatcher } from '../../src/client/local-watch.js';
import type { ChangeKind } from '../../src/protocol/watch-pending.js';
import { scratchDir } from '../helpers/scratch.js';
import { waitFor } from '../helpers/server.js';

let watcher: LocalTreeWatcher | undefined;
afterEach(() => watcher?.close());

async function watching(setup: (root: string) => Promise<void> = async () => {}, maxFolders?: number) {
  const root = await scratchDir();
  await setup(root);
  const changes: { path: string; kind: ChangeKind }[] = [];
  const rescans: string[] = [];
  watcher = new LocalTreeWatcher(root, { change: (path, kind) => changes.push({ path, kind }), rescan: (r) => rescans.push(r) }, maxFolders);
  watcher.start();
  const has = (path: string, kind: ChangeKind) => changes.some((c) => c.path === path && c.kind === kind);
  return { root, changes, rescans, has, w: watcher };
}

describe('LocalTreeWatcher', () => {
  it('reports files and folders made, changed and removed, at any depth', async () => {
    const { root, has, w } = await watching(async (r) => {
      await mkdir(join(r, 'sub'));
      await writeFile(join(r, 'sub', 'a.txt'), 'a');
    });
    expect(w.folders).toBe(2);
    await writeFile(join(root, 'new.txt'), 'n');
    await waitFor(() => has('new.txt', 'added'), 'new.txt added', 2000);
    await writeFile(join(root, 'sub', 'a.txt'), 'changed');
    await waitFor(() => has('sub/a.txt', 'changed'), 'sub/a.txt changed', 2000);
    await rm(join(root, 'sub', 'a.txt'));
    await waitFor(() => has('sub/a.txt', 'removed'), 'sub/a.txt removed', 2000);
  });

  it('follows a folder moved in whole, what is in it too, and lets a removed one go', async () => {
    const { root, has, w } = await watching();
    const outside = await scratchDir();
    await mkdir(join(outside, 'tree', 'deep'), { recursive: true });
    await writeFile(join(outside, 'tree', 'deep', 'c.txt'), 'c');
    await rename(join(outside, 'tree'), join(root, 'tree'));
    await waitFor(() => has('tree/deep/c.txt', 'added'), 'what was in it', 2000);
    expect(has('tree', 'folder')).toBe(true);
    expect(w.folders).toBe(3);
    await writeFile(join(root, 'tree', 'deep', 'c.txt'), 'cc');
    await waitFor(() => has('tree/deep/c.txt', 'changed'), 'a change inside it', 2000);
    await rm(join(root, 'tree'), { recursive: true });
    await waitFor(() => has('tree', 'removed'), 'tree removed', 2000);
    await waitFor(() => w.folders === 1, 'its watches let go');
  });

  it("never reports ferry's own files", async () => {
    const { root, changes, has } = await watching();
    await writeFile(join(root, 'x.bin.ferry-part'), 'part');
    await writeFile(join(root, 'x.bin.ferry-part.json'), '{}');
    await writeFile(join(root, '.x.bin.1-abcdefabcdef.ferry-tmp'), 'tmp');
    await mkdir(join(root, '.ferry-trash'));
    await writeFile(join(root, 'marker'), '');
    await waitFor(() => has('marker', 'added'), 'the marker', 2000);
    expect(changes.map((c) => c.path).filter((p) => p.includes('ferry'))).toEqual([]);
  });

  it('past its folder budget, asks for a rescan', async () => {
    const { root, rescans } = await watching(async () => {}, 2);
    await mkdir(join(root, 'a'));
    await mkdir(join(root, 'b'));
    await waitFor(() => rescans.includes('limit'), 'a rescan', 2000);
  });
});
