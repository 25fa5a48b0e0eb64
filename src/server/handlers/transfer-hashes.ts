// The hashes a transfer (TCP download or UDP session) announces, shared by
// both handlers. A client that checks chunk hashes gets the BLAKE3 root and
// list before the first byte; the MD5 it reports may still be on its way
// (an MD5 pass over a file never hashed reads at ~0.7 GB/s, ten times slower
// than BLAKE3), so it is started now, beside the sending, and awaited for the
// REPLY. A client that checks MD5 itself (check not given) gets the MD5 first,
// as before.

import type { Stats } from 'node:fs';
import type { RequestContext } from '../context.js';

export interface TransferHashes {
  /** Fields for the first ITEM. */
  start: { md5?: string; blake3?: string; chunkBytes?: number };
  /** The chunk list, the ITEM's payload (check 'blake3' only). */
  list?: Buffer;
  /** The file's MD5, for the REPLY. */
  md5(): Promise<string>;
}

export async function startHashes(ctx: RequestContext, abs: string, stat: Stats, blake3: boolean): Promise<TransferHashes> {
  const { hashes } = ctx.services;
  if (!blake3) {
    const md5 = await hashes.md5(abs, stat);
    return { start: { md5 }, md5: async () => md5 };
  }
  const known = hashes.knownMd5(stat);
  // The fast pass first (the first byte waits for it), then the MD5 pass on
  // another worker at the same time, not after it: it runs while the bytes
  // flow. Handled here so a request that fails first leaves no unhandled
  // rejection behind.
  const fast = hashes.chunks(abs, stat);
  const md5 = known !== undefined ? Promise.resolve(known) : hashes.md5(abs, stat);
  md5.catch(() => {});
  const chunks = await fast;
  return {
    start: { ...(known !== undefined ? { md5: known } : {}), blake3: chunks.blake3, chunkBytes: chunks.chunkBytes },
    list: chunks.chunks,
    md5: () => md5,
  };
}
