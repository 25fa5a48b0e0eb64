// Content search for `index --keyword`: does a text file contain the keyword?
// The rule (smart case, binary files skipped, whole files searched) is
// protocol/filter.ts's keywordScan, shared with the client's local folder;
// this file only reads: fixed chunks, bounded memory, whatever the file size.

import { constants } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import { keywordScan } from '../protocol/filter.js';

export { BINARY_SNIFF_BYTES } from '../protocol/filter.js';

/** Read size for content search; larger than one page, small enough to keep many files in flight. */
export const KEYWORD_CHUNK_BYTES = 256 * 1024;

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
 * True when the file is text and contains `keyword` (keywordScan's rule).
 * Binary files, unreadable files and an aborted search answer false: a
 * filter drops what it cannot confirm.
 */
export async function fileContains(abs: string, keyword: string, options: ContainsOptions = {}): Promise<boolean> {
  const chunk = Math.max(1, options.chunkBytes ?? KEYWORD_CHUNK_BYTES);
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
    const scan = keywordScan(keyword);
    const buf = Buffer.allocUnsafe(chunk);
    for (let pos = 0; ; ) {
      if (options.signal?.aborted) return false;
      const { bytesRead } = await handle.read(buf, 0, chunk, pos);
      if (bytesRead === 0) return scan.end();
      pos += bytesRead;
      const verdict = scan.push(buf.subarray(0, bytesRead));
      if (verdict !== 'more') return verdict === 'match';
    }
  } catch {
    return false;
  } finally {
    await handle.close().catch(() => undefined);
  }
}
