import type { FileHandle } from 'node:fs/promises';
import { ErrorCode, FerryError } from '../../protocol/errors.js';
import { STREAM_CHUNK_BYTES } from '../../protocol/limits.js';
import type { DownloadRequest, DownloadStart, FileIdentity, TransferEnd } from '../../protocol/messages.js';
import type { Handler } from '../context.js';
import { startHashes } from './transfer-hashes.js';

/**
 * Stream one file over the request's connection: an ITEM saying what it is
 * (size, identity, hashes), then DATA frames of the ranges asked for, then
 * REPLY with the MD5. Hashes come from the hash index (computed once per
 * file version); with check 'blake3' a file never hashed is read once with
 * BLAKE3 before the first byte goes out and its MD5 is finished while the
 * bytes flow (docs/protocol.md, "Chunk hashes").
 */
export const download: Handler<DownloadRequest> = async (ctx) => {
  const { store, counters } = ctx.services;
  const { request } = ctx;
  const { handle, abs, rel, stat } = await store.openRead(request.path);
  try {
    const identity: FileIdentity = { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, dev: stat.dev };
    if (request.identity && !sameIdentity(request.identity, identity)) {
      throw new FerryError(ErrorCode.Changed, `${rel} changed on the server since the download started`);
    }
    const offset = request.offset ?? 0;
    if (offset > stat.size) throw new FerryError(ErrorCode.BadRequest, `offset ${offset} is past the end of ${rel} (${stat.size} bytes)`);
    const ranges: [number, number][] = request.ranges ?? (offset < stat.size ? [[offset, stat.size]] : []);
    const past = ranges.find(([, end]) => end > stat.size);
    if (past) throw new FerryError(ErrorCode.BadRequest, `range ${past[0]}-${past[1]} is past the end of ${rel} (${stat.size} bytes)`);

    const hashes = await startHashes(ctx, abs, stat, request.check === 'blake3');
    const start: DownloadStart = { size: stat.size, offset: ranges[0]?.[0] ?? stat.size, ...hashes.start, mtimeMs: stat.mtimeMs, identity };
    await ctx.item(start, request.check === 'blake3' && request.list !== false ? hashes.list : undefined);
    counters.downloads++;
    ctx.note(request.ranges ? { ranges: ranges.length } : { offset });

    let sent = 0;
    const size = Math.min(STREAM_CHUNK_BYTES, Math.max(0, ...ranges.map(([from, to]) => to - from)));
    const buffers = [Buffer.allocUnsafeSlow(size), Buffer.allocUnsafeSlow(size)];
    for (const [from, to] of ranges) sent += await sendRange(ctx, handle, rel, from, to, buffers);
    return { bytes: sent, md5: await hashes.md5() } satisfies TransferEnd;
  } finally {
    await handle.close();
  }
};

/**
 * Send [from, to) as DATA frames, keeping one read in flight while the
 * previous chunk is sent. Two buffers take turns (data() resolves once the
 * socket is done with a payload): a fresh 1 MiB buffer per chunk cost page
 * faults and garbage collections, ~15 % of the server's CPU on a download.
 */
async function sendRange(
  ctx: Parameters<Handler<DownloadRequest>>[0],
  handle: FileHandle,
  rel: string,
  from: number,
  to: number,
  buffers: Buffer[],
): Promise<number> {
  const { counters } = ctx.services;
  let turn = 0;
  const readChunk = async (at: number) => {
    const want = Math.min(STREAM_CHUNK_BYTES, to - at);
    const buffer = buffers[turn++ % 2]!;
    const { bytesRead } = await handle.read(buffer, 0, want, at);
    return buffer.subarray(0, bytesRead);
  };
  let position = from;
  let next = position < to ? readChunk(position) : undefined;
  while (next) {
    const chunk = await next;
    if (chunk.length === 0) throw new FerryError(ErrorCode.Changed, `${rel} shrank on the server during the download`);
    position += chunk.length;
    next = position < to ? readChunk(position) : undefined;
    await ctx.data(chunk);
    counters.bytesSent += chunk.length;
    ctx.countBytes(chunk.length);
  }
  return position - from;
}

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino && a.dev === b.dev;
}
