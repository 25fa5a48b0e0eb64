// Byte ranges for viewing, on this machine: the local twin of the server's
// `read` operation, with the same limit and the same answer at the end of a
// file, so the viewer treats both panes alike.

import { open } from 'node:fs/promises';
import { MAX_READ_BYTES } from '../protocol/messages.js';
import type { ReadOptions, ReadResult } from './types.js';

/** Most bytes one read hands back (the protocol's limit, kept for local files too). */
export const READ_MAX_BYTES = MAX_READ_BYTES;

/** Read [offset, offset + count) of the file at `abs`; never more than READ_MAX_BYTES. */
export async function readRange(abs: string, options: ReadOptions = {}): Promise<ReadResult> {
  const offset = Math.max(0, Math.floor(options.offset ?? 0));
  const count = Math.max(0, Math.min(Math.floor(options.count ?? READ_MAX_BYTES), READ_MAX_BYTES));
  const handle = await open(abs, 'r');
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new Error(`${abs} is not a file`);
    const want = Math.max(0, Math.min(count, st.size - offset));
    const bytes = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      options.signal?.throwIfAborted();
      const { bytesRead } = await handle.read(bytes, got, want - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return { offset, bytes: bytes.subarray(0, got), size: st.size, mtimeMs: st.mtimeMs };
  } finally {
    await handle.close();
  }
}
