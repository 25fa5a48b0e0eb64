// The BLAKE3 root (protocol/chunk-hash.ts) of a local file: to tell whether a
// destination already holds the server's content without downloading it.
// Read 1 MiB at a time; hashing runs at ~7 GB/s, so the read is the cost.

import { createReadStream } from 'node:fs';
import { ChunkHasher } from '../protocol/chunk-hash.js';

export async function blake3OfFile(file: string, size: number): Promise<string | undefined> {
  const hasher = new ChunkHasher(size);
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) hasher.update(chunk as Buffer);
    return hasher.finish().blake3;
  } catch {
    return undefined; // changed size while read, or unreadable: not the same content
  }
}
