import { ErrorCode, FerryError } from '../../protocol/errors.js';
import type { HashAllRequest, HashRecord, HashRequest } from '../../protocol/messages.js';
import type { Handler } from '../context.js';
import { hashTree } from '../hash-index.js';
import { listEntries } from '../listing.js';
import { stepByTurn } from '../turns.js';

/** MD5 of one file (from the hash index when the file is unchanged). */
export const hash: Handler<HashRequest> = async (ctx) => {
  const { store, hashes } = ctx.services;
  const { abs, rel, stat } = await store.resolve(ctx.request.path);
  if (!stat.isFile()) throw new FerryError(ErrorCode.NotAFile, `${rel || '/'} is not a file`);
  const md5 = await hashes.md5(abs, stat, { rehash: ctx.request.rehash });
  const record: HashRecord = { path: rel, md5, size: stat.size, mtimeMs: stat.mtimeMs };
  // The MD5 pass read the chunk hashes too: the root costs nothing more.
  if (ctx.request.blake3) return { ...record, blake3: (await hashes.chunks(abs, stat)).blake3 };
  return record;
};

/**
 * MD5 of every file under a folder. First an ITEM with the plan (file count
 * and bytes, so clients can show progress), then ITEMs of results as they are
 * computed, then REPLY with the count.
 */
export const hashAll: Handler<HashAllRequest> = async (ctx) => {
  const { store, hashes, walkSteps } = ctx.services;
  let files = 0;
  let bytes = 0;
  for await (const batch of stepByTurn(listEntries(store, { op: 'list', path: ctx.request.path, recursive: true }, ctx.signal), walkSteps, ctx.signal)) {
    for (const e of batch) {
      if (e.type !== 'file') continue;
      files++;
      bytes += e.size;
    }
  }
  await ctx.item({ plan: { files, bytes } });
  let count = 0;
  let pending: HashRecord[] = [];
  let pendingBytes = 0;
  let lastFlush = performance.now();
  // Batch results so a tree of small cached files is not one frame per file,
  // but flush often enough that a long run shows steady progress.
  const flush = async () => {
    if (pending.length > 0) await ctx.item({ results: pending });
    pending = [];
    pendingBytes = 0;
    lastFlush = performance.now();
  };
  // Hashing is not stepped by turn: a step would last a whole file's read, and
  // the hash index bounds its own work (one worker); the walk was admitted above.
  for await (const record of hashTree(store, hashes, { path: ctx.request.path, rehash: ctx.request.rehash, blake3: ctx.request.blake3, signal: ctx.signal })) {
    pending.push(record);
    pendingBytes += Buffer.byteLength(record.path) + 100; // a record's JSON is its path plus < 100 bytes
    count++;
    // Stay well inside the 64 KiB header limit however long the paths are.
    if (pendingBytes > 48 * 1024 || performance.now() - lastFlush > 100) await flush();
  }
  await flush();
  if (ctx.signal.aborted) throw ctx.signal.reason;
  ctx.note({ results: count });
  return { count };
};
