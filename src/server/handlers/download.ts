import { ErrorCode, FerryError } from '../../protocol/errors.js';
import { STREAM_CHUNK_BYTES } from '../../protocol/limits.js';
import type { DownloadRequest, DownloadStart, FileIdentity } from '../../protocol/messages.js';
import type { Handler } from '../context.js';

/**
 * Stream one file over the request's connection: an ITEM with size, MD5 and
 * identity, then DATA frames from `offset` on, then REPLY. The MD5 comes from
 * the hash index (computed once per file version), so the client can verify
 * what it received without the server hashing on the hot path.
 */
export const download: Handler<DownloadRequest> = async (ctx) => {
  const { store, hashes, counters } = ctx.services;
  const { request } = ctx;
  const { handle, abs, rel, stat } = await store.openRead(request.path);
  try {
    const identity: FileIdentity = { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, dev: stat.dev };
    if (request.identity && !sameIdentity(request.identity, identity)) {
      throw new FerryError(ErrorCode.Changed, `${rel} changed on the server since the download started`);
    }
    const offset = request.offset ?? 0;
    if (offset > stat.size) throw new FerryError(ErrorCode.BadRequest, `offset ${offset} is past the end of ${rel} (${stat.size} bytes)`);
    const md5 = await hashes.md5(abs, stat);
    const start: DownloadStart = { size: stat.size, offset, md5, mtimeMs: stat.mtimeMs, identity };
    await ctx.item(start);
    counters.downloads++;
    ctx.note({ offset });

    let position = offset;
    const readChunk = async (at: number) => {
      const want = Math.min(STREAM_CHUNK_BYTES, stat.size - at);
      const buffer = Buffer.allocUnsafe(want);
      const { bytesRead } = await handle.read(buffer, 0, want, at);
      return buffer.subarray(0, bytesRead);
    };
    // Keep one read in flight while the previous chunk is being sent.
    let next = position < stat.size ? readChunk(position) : undefined;
    while (next) {
      const chunk = await next;
      if (chunk.length === 0) throw new FerryError(ErrorCode.Changed, `${rel} shrank on the server during the download`);
      position += chunk.length;
      next = position < stat.size ? readChunk(position) : undefined;
      await ctx.data(chunk);
      counters.bytesSent += chunk.length;
      ctx.countBytes(chunk.length);
    }
    return { bytes: position - offset };
  } finally {
    await handle.close();
  }
};

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino && a.dev === b.dev;
}
