// The MD5s of many local files at once, for check-all (V) over a folder of
// thousands: each file through the event loop costs a stat, an open, reads
// and a close, four hops or more apiece, and over 20,000 small files those
// hops, not the bytes, were where the time went. Here a list of paths goes to
// a hashing thread (src/hashing/) in one message each way.

import { availableParallelism } from 'node:os';
import { HashPool } from '../hashing/hash-worker.js';
import { ErrorCode, FerryError } from '../protocol/errors.js';

/** One pool for these, started on first use; idle threads do not keep the process alive. */
let pool: HashPool | undefined;

/**
 * The MD5s of `abs`, in order: null where there is no regular file, the error
 * where one could not be read. Callers keep each list small (tens of files):
 * the thread reads it whole before answering.
 */
export async function localMd5s(abs: readonly string[]): Promise<(string | null | Error)[]> {
  if (abs.length === 0) return [];
  pool ??= new HashPool(availableParallelism());
  const results = await pool.hashBatch(abs, { md5: true });
  return results.map((r) => {
    if (!(r instanceof FerryError)) return r.md5 ?? new FerryError(ErrorCode.Internal, 'no MD5 from the hashing thread');
    return r.code === ErrorCode.NotFound || r.code === ErrorCode.NotAFile ? null : r;
  });
}
