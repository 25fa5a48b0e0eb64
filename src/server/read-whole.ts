// A small file read whole, for batches of small files: opened through the
// store (ShareStore.openNow, which resolves the path and proves the file
// opened is the one it resolved), then read in one pass once the caller's
// memory bound has room. Nothing here touches a client path itself.

import { closeSync, fstatSync, read } from 'node:fs';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import { fsError, type Resolved, type ShareStore } from './store.js';

/** Read into `buffer` from `at` on (file position `at`), on the thread pool; resolves with the bytes read. */
function readAt(fd: number, buffer: Buffer, at: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buffer, at, buffer.length - at, at, (err, n) => (err ? reject(err) : resolve(n))));
}

/**
 * A regular file of at most `maxBytes`, read whole (a batch's file, one
 * chunk at most): opened like openRead, then, once `room(size)` resolves
 * (the caller's memory bound), read in one pass. A file larger than
 * `maxBytes` is TOO_LARGE; one that grew, shrank or was written while it was
 * read is CHANGED, so the bytes returned are exactly the version `stat` names.
 */
export async function readWhole(
  store: ShareStore,
  rel: string,
  maxBytes: number,
  room: (bytes: number) => Promise<void>,
): Promise<Resolved & { bytes: Buffer }> {
  const { fd, abs, rel: normal, stat } = store.openNow(rel);
  try {
    if (stat.size > maxBytes) throw new FerryError(ErrorCode.TooLarge, `'${normal}' is larger than ${maxBytes} bytes: download it on its own`);
    await room(stat.size);
    // One byte more than the size: a file that grew is seen in the same read.
    const buffer = Buffer.allocUnsafe(stat.size + 1);
    let got = 0;
    for (;;) {
      const n = await readAt(fd, buffer, got);
      got += n;
      if (n === 0 || got === buffer.length) break;
    }
    const after = fstatSync(fd);
    if (got !== stat.size || after.size !== stat.size || after.mtimeMs !== stat.mtimeMs) {
      throw new FerryError(ErrorCode.Changed, `'${normal}' changed while it was being read`);
    }
    return { abs, rel: normal, stat, bytes: buffer.subarray(0, got) };
  } catch (err) {
    throw fsError(err, normal);
  } finally {
    closeSync(fd);
  }
}
