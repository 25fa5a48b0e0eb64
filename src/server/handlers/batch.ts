// Many small files in one request (docs/protocol.md, "batch"). Each file is
// read whole through the store (confined like every path; one chunk at most), hashed from that same buffer and sent as one ITEM whose
// payload is its bytes: a cold file costs one read, and the root the client
// checks is of exactly the bytes it gets. A file that cannot be sent (gone,
// too large, changed while read) is one failure ITEM; the batch goes on.
//
// A few files are opened and read ahead of the one being sent, so the disk
// and the socket both stay busy; what is read and not yet sent is bounded
// (READ_AHEAD_BYTES), and the next file waits its turn for that room in order.

import { createHash } from 'node:crypto';
import { chunkBytesFor, hashChunk, rootOf } from '../../protocol/chunk-hash.js';
import { ErrorCode, FerryError } from '../../protocol/errors.js';
import { type BatchEnd, type BatchFailure, type BatchFile, type BatchRequest, type FileIdentity, MAX_BATCH_FILE_BYTES } from '../../protocol/messages.js';
import type { Handler, RequestContext } from '../context.js';
import { OrderedBytes } from './ordered-bytes.js';
import { readWhole } from '../read-whole.js';

/** Files opened and read ahead of the one being sent. */
const READ_AHEAD_FILES = 8;
/** Bytes read and not yet sent, at most (one file of any size is always let through). */
const READ_AHEAD_BYTES = 2 * 1024 * 1024;

type Read = { ok: true; file: BatchFile; bytes: Buffer } | { ok: false; failure: BatchFailure };

export const batch: Handler<BatchRequest> = async (ctx) => {
  const { paths } = ctx.request;
  const { counters } = ctx.services;
  const room = new OrderedBytes(READ_AHEAD_BYTES);
  const reads: (Promise<Read> | undefined)[] = [];
  let started = 0;
  let sent = 0;
  let failed = 0;
  let bytes = 0;
  try {
    while (sent < paths.length) {
      while (started < paths.length && started - sent < READ_AHEAD_FILES) {
        reads[started] = readOne(ctx, paths[started]!, started, room);
        started++;
      }
      const read = await reads[sent]!;
      reads[sent++] = undefined;
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (!read.ok) {
        failed++;
        await ctx.item(read.failure);
        continue;
      }
      await ctx.item(read.file, read.bytes);
      room.give(read.bytes.length);
      counters.downloads++;
      counters.bytesSent += read.bytes.length;
      ctx.countBytes(read.bytes.length);
      bytes += read.bytes.length;
    }
  } finally {
    // Reads still waiting for room get it, finish and close their files.
    room.close();
    await Promise.allSettled(reads.filter(Boolean));
  }
  ctx.note({ paths: paths.length, failed });
  return { files: paths.length - failed, failed, bytes } satisfies BatchEnd;
};

async function readOne(ctx: RequestContext<BatchRequest>, path: string, i: number, room: OrderedBytes): Promise<Read> {
  const { store } = ctx.services;
  const slot = room.slot();
  let taken: number | undefined;
  try {
    const { stat, bytes } = await readWhole(store, path, MAX_BATCH_FILE_BYTES, async (size) => {
      await slot.take(size);
      taken = size;
    });
    const identity: FileIdentity = { size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, dev: stat.dev };
    const blake3 = rootOf(stat.size, chunkBytesFor(stat.size), stat.size > 0 ? hashChunk(bytes) : Buffer.alloc(0));
    // Both hashes from the buffer about to be sent. Measured on 20,000 files of
    // 1-16 KiB: the MD5 here costs ~8 µs a file, less than looking the file up
    // in the hash index and remembering it there (its lookups, and its saves
    // of the whole index every few seconds), and it can never be stale.
    const md5 = createHash('md5').update(bytes).digest('hex');
    return { ok: true, file: { i, size: stat.size, mtimeMs: stat.mtimeMs, identity, md5, blake3 }, bytes };
  } catch (err) {
    if (taken === undefined) slot.pass();
    else room.give(taken); // what a failed read held is never sent
    return { ok: false, failure: { i, error: failureOf(err) } };
  }
}

/** A file's failure as its ITEM says it: coded, naming the client's path only (the store's errors already do). */
function failureOf(err: unknown): { code: ErrorCode; message: string } {
  if (err instanceof FerryError) return { code: err.code, message: err.message };
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return { code: ErrorCode.NotFound, message: 'no such file' };
  if (code === 'EACCES' || code === 'EPERM') return { code: ErrorCode.Forbidden, message: 'permission denied on the server' };
  return { code: ErrorCode.Internal, message: `reading the file failed (${typeof code === 'string' ? code : 'error'})` };
}
