// What one walk holds must not grow with the folder: no whole folder read
// into an array, no stack of every pending sub-folder. Measured two ways: the
// largest batch the walk hands out, and the heap it keeps while paused after
// its first batch (after a full GC, so only what the walk holds is counted).

import { closeSync, mkdirSync, openSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIST_BATCH } from '../../src/protocol/limits.js';
import { walkShare } from '../../src/server/listing.js';
import { ShareStore } from '../../src/server/store.js';

const FILES = 50_000;
const FOLDERS = 20_000;
let root: string;
let store: ShareStore;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapUsed = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

beforeAll(async () => {
  root = join(tmpdir(), `ferry-walkmem-${process.pid}-${Date.now()}`);
  mkdirSync(join(root, 'files'), { recursive: true });
  mkdirSync(join(root, 'folders'));
  for (let i = 0; i < FILES; i++) closeSync(openSync(join(root, 'files', `f${i}.txt`), 'w'));
  // Each sub-folder holds one file, so the walk has to enter all of them.
  for (let i = 0; i < FOLDERS; i++) {
    mkdirSync(join(root, 'folders', `d${i}`));
    closeSync(openSync(join(root, 'folders', `d${i}`, 'x'), 'w'));
  }
  store = await ShareStore.open(root);
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Heap kept by a walk paused after its first batch, and the largest batch over the whole walk. */
async function measure(path: string): Promise<{ pausedBytes: number; largest: number; total: number }> {
  const before = heapUsed();
  let pausedBytes = -1;
  let largest = 0;
  let total = 0;
  for await (const items of walkShare(store, { path })) {
    if (pausedBytes < 0) pausedBytes = heapUsed() - before;
    largest = Math.max(largest, items.length);
    total += items.length;
  }
  return { pausedBytes, largest, total };
}

describe('walkShare memory', () => {
  it(`holds a bounded slice of a folder of ${FILES} files, not the folder`, async () => {
    const m = await measure('files');
    expect(m.total).toBe(FILES);
    expect(m.largest).toBeLessThanOrEqual(LIST_BATCH);
    // The whole folder as objects is tens of MB; a bounded slice is well under 4 MB.
    expect(m.pausedBytes).toBeLessThan(4 * 1024 * 1024);
  });

  it(`does not stack ${FOLDERS} pending sub-folders`, async () => {
    const m = await measure('folders');
    expect(m.total).toBe(FOLDERS * 2);
    expect(m.largest).toBeLessThanOrEqual(LIST_BATCH);
    expect(m.pausedBytes).toBeLessThan(4 * 1024 * 1024);
  });
});
