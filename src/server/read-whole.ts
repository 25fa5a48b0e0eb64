// A small file read whole, for batches of small files: opened through the
// store (ShareStore.openNow, which resolves the path and proves the file
// opened is the one it resolved), then read in one pass once the caller's
// memory bound has room. Nothing here touches a client path itself.

import { closeSync, fstatSync, read, readSync } from 'node:fs';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import { fsError, type Resolved, type ShareStore } from './store.js';

/** Read into `buffer` from `at` on (file position `at`), on the thread pool; resolves with the bytes read. */
function readAt(fd: number, buffer: Buffer, at: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buffer, at, buffer.length - at, at, (err, n) => (err ? reject(err) : resolve(n))));
}

/**
 * `size` bytes from the start of `fd`, in one read (a file that shrank gives
 * fewer, which the caller's checks refuse; one that grew is caught by the
 * fstat after, so nothing past `size` is asked for). `sync`: read on this
 * thread, else on the thread pool.
 */
async function readExactly(fd: number, size: number, sync: boolean): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(size);
  let got = 0;
  while (got < size) {
    const n = sync ? readSync(fd, buffer, got, size - got, got) : await readAt(fd, buffer, got);
    if (n === 0) break;
    got += n;
  }
  return got === size ? buffer : buffer.subarray(0, got);
}

/**
 * A synchronous read slower than this waited for a disk seek, not the page
 * cache (or an SSD, whose reads are short enough to wait for here). Not
 * lower: on a loaded machine a read from memory can take a millisecond or
 * two when the thread is preempted.
 */
const SLOW_READ_MS = 5;
/** After one, small files are read on the thread pool for this long. */
const COLD_FOR_MS = 1000;
/** Until then (performance.now()), reads go to the thread pool: the last synchronous one waited for the disk. */
let coldUntil = 0;

/**
 * A batch's file (a few KiB, usually in the page cache) read on this
 * thread: a read from memory costs microseconds, where handing it to the
 * thread pool costs a wake-up there and back, more than the read, for each
 * of thousands of files. A read that did wait for the disk (over
 * SLOW_READ_MS) sends the reads of the next COLD_FOR_MS to the thread pool,
 * so a cold disk holds the event loop for one read a second at most.
 */
async function readSmall(fd: number, size: number): Promise<Buffer> {
  const started = performance.now();
  if (started < coldUntil) return readExactly(fd, size, false);
  const bytes = await readExactly(fd, size, true);
  const ended = performance.now();
  if (ended - started > SLOW_READ_MS) coldUntil = ended + COLD_FOR_MS;
  return bytes;
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
    const bytes = await readSmall(fd, stat.size);
    // Grown, shrunk or written since the stat: the bytes are not the version it names.
    const after = fstatSync(fd);
    if (bytes.length !== stat.size || after.size !== stat.size || after.mtimeMs !== stat.mtimeMs) {
      throw new FerryError(ErrorCode.Changed, `'${normal}' changed while it was being read`);
    }
    return { abs, rel: normal, stat, bytes };
  } catch (err) {
    throw fsError(err, normal);
  } finally {
    closeSync(fd);
  }
}
