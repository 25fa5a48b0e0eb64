// Fetch many small files with one request (docs/protocol.md, "batch") over a
// leased transfer connection. Each file arrives as one ITEM carrying its
// bytes and the server's hashes of them; it is checked against its BLAKE3
// root (and, with --md5, its MD5) in memory, and only a file that matches is
// written, to a temp name (small-files.ts). A file that fails is that file's
// failure; the others of the batch still land. A file that never arrived
// (the connection was lost, the server refused the batch) fails with the
// request's error, so the caller can ask again for exactly those.

import { createHash } from 'node:crypto';
import { BLAKE3_HEX, chunkBytesFor, hashChunk, rootOf } from '../protocol/chunk-hash.js';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import { type BatchFile, MAX_BATCH_FILE_BYTES, MAX_BATCH_FILES } from '../protocol/messages.js';
import { escapeControls } from '../safe-text.js';
import type { Syncer } from './fs-sync.js';
import type { Lease, ServerLink } from './server-link.js';
import { SmallFileBatch } from './small-files.js';
import type { DownloadResult, TransferProgress } from './types.js';

export { MAX_BATCH_FILE_BYTES, MAX_BATCH_FILES };

/** One file to fetch: its remote path and where it goes (its folder exists, the name is free). */
export interface SmallFile {
  path: string;
  dest: string;
}

export type BatchOutcome = { file: SmallFile; ok: true; result: DownloadResult } | { file: SmallFile; ok: false; error: FerryError };

export interface BatchOptions {
  signal?: AbortSignal;
  /** Also check the MD5 of what arrived, here. */
  md5?: boolean;
  onProgress?: (p: TransferProgress) => void;
  /** One sync of the destination's filesystem per batch (fs-sync.ts), shared by the batches of a download; without it, fsync per file. */
  syncer?: Syncer;
}

const MD5_HEX = /^[0-9a-f]{32}$/;

/** Fetch `files` (at most MAX_BATCH_FILES) in one batch request; one outcome per file, in order. */
export async function fetchBatch(client: ServerLink, files: SmallFile[], options: BatchOptions = {}): Promise<BatchOutcome[]> {
  if (files.length === 0 || files.length > MAX_BATCH_FILES) throw new RangeError(`a batch holds 1 to ${MAX_BATCH_FILES} files`);
  const started = performance.now();
  const outcomes: (BatchOutcome | undefined)[] = new Array(files.length);
  const arrived: (BatchFile | undefined)[] = new Array(files.length);
  const landing = new SmallFileBatch(options.syncer);
  let broken: FerryError | undefined;
  let lease: Lease | undefined;
  let clean = false;
  let requestError: FerryError | undefined;

  const fail = (i: number, error: FerryError) => void (outcomes[i] = { file: files[i]!, ok: false, error });
  const take = (h: Record<string, unknown>, payload: Buffer) => {
    if (broken) return;
    const i = h.i;
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= files.length || outcomes[i] || arrived[i]) {
      broken = new FerryError(ErrorCode.BadFrame, 'the server answered a batch with a file it was not asked for');
      lease?.rpc.destroy();
      return;
    }
    if (typeof h.error === 'object' && h.error !== null) {
      const e = h.error as Record<string, unknown>;
      return fail(i, new FerryError(escapeControls(String(e.code)) as ErrorCode, escapeControls(String(e.message))));
    }
    const file = files[i]!;
    const problem = checkFile(h, payload, options.md5 === true);
    if (problem) return fail(i, new FerryError(problem.code, `${file.path}: ${problem.message}`));
    try {
      landing.add(i, file.dest, payload, h.mtimeMs as number);
      arrived[i] = h as unknown as BatchFile;
    } catch (err) {
      fail(i, err as FerryError);
    }
  };

  try {
    lease = await client.leaseConnection();
    await lease.rpc.request({ op: 'batch', paths: files.map((f) => f.path) }, { onItem: take, ...(options.signal ? { signal: options.signal } : {}) });
    clean = broken === undefined;
  } catch (err) {
    requestError = err instanceof FerryError ? err : new FerryError(ErrorCode.ConnectionLost, `batch failed: ${(err as Error).message}`);
  } finally {
    lease?.release(clean);
  }
  if (options.signal?.aborted) {
    await landing.abandon();
    lease?.frames?.reclaim();
    throw requestError ?? new FerryError(ErrorCode.Cancelled, 'cancelled');
  }
  // What arrived whole and checked lands, whatever happened to the rest.
  for (const placed of await landing.finish()) {
    if (!placed.ok) fail(placed.key, placed.error!);
  }
  // Files of 64 KiB to 1 MiB arrived in frame slots; they are written now.
  lease?.frames?.reclaim();
  const seconds = (performance.now() - started) / 1000;
  const missing = broken ?? requestError ?? new FerryError(ErrorCode.ConnectionLost, 'the batch ended without this file');
  // One progress report for the batch, not one per file: a terminal's status line redraws on each.
  const landed = arrived.filter((got, i) => got && !outcomes[i]);
  const landedBytes = landed.reduce((n, got) => n + got!.size, 0);
  if (landed.length > 0) {
    options.onProgress?.({
      path: `${files[0]!.path} (${landed.length} files)`,
      transport: 'tcp',
      bytes: landedBytes,
      total: landedBytes,
      rate: 0,
      etaSeconds: 0,
    });
  }
  return files.map((file, i) => {
    const failed = outcomes[i];
    if (failed) return failed;
    const got = arrived[i];
    if (!got) return { file, ok: false, error: missing };
    return {
      file,
      ok: true,
      result: {
        path: file.path,
        dest: file.dest,
        bytes: got.size,
        transferred: got.size,
        md5: got.md5,
        verified: true,
        check: options.md5 ? 'blake3+md5' : 'blake3',
        blake3: got.blake3,
        transport: 'tcp',
        cache: 'bypass',
        seconds,
        mtime: new Date(got.mtimeMs).toISOString(),
      },
    };
  });
}

/** What is wrong with one file's ITEM and bytes, or undefined when they are whole and match their hashes. */
function checkFile(h: Record<string, unknown>, payload: Buffer, md5Here: boolean): { code: ErrorCode; message: string } | undefined {
  const { size, mtimeMs, md5, blake3 } = h;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0 || size > MAX_BATCH_FILE_BYTES)
    return { code: ErrorCode.BadFrame, message: 'the server sent a bad size' };
  if (payload.length !== size) return { code: ErrorCode.BadFrame, message: `the server announced ${size} bytes and sent ${payload.length}` };
  if (typeof mtimeMs !== 'number' || !Number.isFinite(mtimeMs) || Math.abs(mtimeMs) > 8.64e15)
    return { code: ErrorCode.BadFrame, message: 'the server sent a bad time' };
  if (typeof md5 !== 'string' || !MD5_HEX.test(md5) || typeof blake3 !== 'string' || !BLAKE3_HEX.test(blake3)) {
    return { code: ErrorCode.BadFrame, message: "the server did not send the file's hashes" };
  }
  if (rootOf(size, chunkBytesFor(size), size > 0 ? hashChunk(payload) : Buffer.alloc(0)) !== blake3) {
    return { code: ErrorCode.ChecksumMismatch, message: 'the bytes do not match their BLAKE3 root' };
  }
  if (md5Here && createHash('md5').update(payload).digest('hex') !== md5) {
    return { code: ErrorCode.ChecksumMismatch, message: `MD5 here differs from the server's ${md5}` };
  }
  return undefined;
}
