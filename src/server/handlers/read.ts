import type { ReadChunk, ReadRequest } from '../../protocol/messages.js';
import type { Handler } from '../context.js';

/**
 * A byte range of a file, for a viewer: one ITEM whose payload is the bytes
 * (at most MAX_READ_BYTES, fewer at the end of the file), then REPLY. Unlike
 * a download nothing is hashed, so the end of a 10 GB log costs one small
 * read. An offset at or past the end answers no bytes and the current size:
 * a viewer following a growing file asks past what it knew.
 */
export const read: Handler<ReadRequest> = async (ctx) => {
  const { store } = ctx.services;
  const { offset, count } = ctx.request;
  const { handle, stat } = await store.openRead(ctx.request.path);
  try {
    const want = Math.max(0, Math.min(count, stat.size - offset));
    const buffer = Buffer.allocUnsafe(want);
    let got = 0;
    // A short read is not the end unless the file says so: keep reading to `want`.
    while (got < want) {
      const { bytesRead } = await handle.read(buffer, got, want - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    const bytes = buffer.subarray(0, got);
    await ctx.item({ offset, size: stat.size, mtimeMs: stat.mtimeMs } satisfies ReadChunk, bytes);
    ctx.countBytes(got);
    return { bytes: got };
  } finally {
    await handle.close();
  }
};
