// Content search for `index --keyword`: does a text file contain these bytes?
// Files are streamed in fixed chunks with an overlap of (needle - 1) bytes
// carried from one chunk to the next, so a match that straddles a chunk
// boundary is still found and memory stays bounded whatever the file size.

import { constants } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';

/** Read size for content search; larger than one page, small enough to keep many files in flight. */
export const KEYWORD_CHUNK_BYTES = 256 * 1024;
/** A NUL byte within this many leading bytes marks a file as binary (the heuristic git and grep use). */
export const BINARY_SNIFF_BYTES = 8 * 1024;

// Non-blocking open: a FIFO swapped in for a file must not hang the search.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

export interface ContainsOptions {
  chunkBytes?: number;
  signal?: AbortSignal;
  /**
   * The identity the caller checked (a file proven inside the share). The file
   * opened must be this one, or the answer is false: a path swapped meanwhile
   * must not turn the search into an oracle for a file outside the share.
   */
  expect?: { dev: number; ino: number };
}

/**
 * True when the file is text and contains `needle` (exact bytes, so the
 * search is case-sensitive). Binary files, unreadable files and an aborted
 * search answer false: a filter drops what it cannot confirm.
 */
export async function fileContains(abs: string, needle: Buffer, options: ContainsOptions = {}): Promise<boolean> {
  const chunk = Math.max(1, options.chunkBytes ?? KEYWORD_CHUNK_BYTES);
  const keep = Math.max(0, needle.length - 1);
  let handle: FileHandle;
  try {
    handle = await fs.open(abs, OPEN_FLAGS);
  } catch {
    return false;
  }
  try {
    if (options.expect) {
      const held = await handle.stat();
      if (held.dev !== options.expect.dev || held.ino !== options.expect.ino) return false;
    }
    const buf = Buffer.allocUnsafe(keep + chunk);
    let carried = 0; // bytes at the start of buf kept from the previous window
    let pos = 0; // file offset of the next byte to read
    let found = false;
    for (;;) {
      if (options.signal?.aborted) return false;
      const { bytesRead } = await handle.read(buf, carried, chunk, pos);
      if (bytesRead === 0) return found;
      // Bytes inside the sniff window decide "binary" before any match counts.
      if (pos < BINARY_SNIFF_BYTES) {
        const sniffEnd = carried + Math.min(bytesRead, BINARY_SNIFF_BYTES - pos);
        if (buf.subarray(carried, sniffEnd).includes(0)) return false;
      }
      pos += bytesRead;
      const window = buf.subarray(0, carried + bytesRead);
      if (!found) found = needle.length === 0 || window.includes(needle);
      // A match is only final once the whole sniff window has been seen.
      if (found && pos >= BINARY_SNIFF_BYTES) return true;
      carried = Math.min(keep, window.length);
      buf.copyWithin(0, window.length - carried, window.length);
    }
  } catch {
    return false;
  } finally {
    await handle.close().catch(() => undefined);
  }
}
