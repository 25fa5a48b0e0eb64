import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FlushBehind } from '../../src/client/flush-behind.js';

/** A file stand-in whose datasync calls stay pending until released. */
function fakeFile() {
  const calls: string[] = [];
  const pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
  return {
    calls,
    pending,
    datasync: () => {
      calls.push('datasync');
      return new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
    },
    sync: async () => {
      calls.push('sync');
    },
  };
}

const MiB = 1024 * 1024;

describe('FlushBehind', () => {
  it('starts a background flush each time another `every` bytes are written, one at a time', async () => {
    const file = fakeFile();
    const flush = new FlushBehind(file, 0, 8 * MiB);
    flush.wrote(7 * MiB);
    expect(file.calls).toEqual([]);
    flush.wrote(8 * MiB);
    expect(file.calls).toEqual(['datasync']);
    flush.wrote(20 * MiB); // one is still running: no second flush piles up
    expect(file.calls).toEqual(['datasync']);
    file.pending[0]!.resolve();
    await flush.settle();
    flush.wrote(20 * MiB);
    expect(file.calls).toEqual(['datasync', 'datasync']);
    flush.wrote(27 * MiB);
    file.pending[1]!.resolve();
    await flush.settle();
    flush.wrote(27 * MiB); // only 7 MiB since the last flush started at 20
    expect(file.calls).toEqual(['datasync', 'datasync']);
  });

  it('counts from a resumed prefix, not from zero', () => {
    const file = fakeFile();
    const flush = new FlushBehind(file, 100 * MiB, 8 * MiB);
    flush.wrote(107 * MiB);
    expect(file.calls).toEqual([]);
    flush.wrote(108 * MiB);
    expect(file.calls).toEqual(['datasync']);
  });

  it('the final sync waits for a running flush, then fsyncs', async () => {
    const file = fakeFile();
    const flush = new FlushBehind(file, 0, MiB);
    flush.wrote(MiB);
    const done = flush.sync();
    await Promise.resolve();
    expect(file.calls).toEqual(['datasync']);
    file.pending[0]!.resolve();
    await done;
    expect(file.calls).toEqual(['datasync', 'sync']);
  });

  it('reports a failed background flush at the final sync, even though a later fsync would succeed', async () => {
    const file = fakeFile();
    const flush = new FlushBehind(file, 0, MiB);
    flush.wrote(MiB);
    file.pending[0]!.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await flush.settle();
    await expect(flush.sync()).rejects.toMatchObject({ code: 'EIO' });
    expect(file.calls).toEqual(['datasync']);
  });

  it('works against a real file: what was written is there after sync', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ferry-flush-'));
    try {
      const handle = await open(path.join(dir, 'f.part'), 'w');
      const flush = new FlushBehind(handle, 0, 64 * 1024);
      const block = Buffer.alloc(48 * 1024, 7);
      for (let i = 0; i < 8; i++) {
        await handle.write(block, 0, block.length, i * block.length);
        flush.wrote((i + 1) * block.length);
      }
      await flush.sync();
      await handle.close();
      const back = await readFile(path.join(dir, 'f.part'));
      expect(back.length).toBe(8 * block.length);
      expect(back.every((b) => b === 7)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
