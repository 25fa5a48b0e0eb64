// The BLAKE3 root (protocol/chunk-hash.ts) of a file in or leaving the cache,
// optionally with its MD5 in the same read pass (only the migration of a
// version 1 cache needs that). Reads 1 MiB at a time: hashing runs at several
// GB/s, so the read is the cost, and a hit pays it once.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { ChunkHasher } from '../protocol/chunk-hash.js';

export interface FileHashes {
  blake3: string;
  md5?: string;
}

/**
 * Hashes of `size` bytes at `file`, or undefined when the file does not hold
 * exactly that many (it changed while read) or cannot be read: either way it
 * is not the content it was meant to be.
 */
export async function hashFile(file: string, size: number, options: { md5?: boolean } = {}): Promise<FileHashes | undefined> {
  const hasher = new ChunkHasher(size);
  const md5 = options.md5 ? createHash('md5') : undefined;
  try {
    for await (const piece of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
      hasher.update(piece as Buffer);
      md5?.update(piece as Buffer);
    }
    const { blake3 } = hasher.finish();
    return md5 ? { blake3, md5: md5.digest('hex') } : { blake3 };
  } catch {
    return undefined;
  }
}
