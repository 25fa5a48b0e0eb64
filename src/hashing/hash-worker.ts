// A small pool of worker threads that hash files, so hashing a large tree
// uses every core and the event loop (which is also streaming downloads)
// stays free. One read pass gives both hashes the index keeps: the MD5 users
// see and the BLAKE3 chunk list transfers are checked with
// (protocol/chunk-hash.ts). A job may skip the MD5: BLAKE3 alone runs at ~7
// GB/s here against MD5's 0.7, so a file never hashed before can start
// streaming after the fast pass while its MD5 is finished beside it, by a
// job that skips the BLAKE3 in turn (the chunk list is the fast pass's).
//
// The worker's code is an inline CommonJS string started with { eval: true }:
// a separate worker file would have to exist both as .ts (tests run sources
// through vitest, which a worker cannot load) and as built .js; a string runs
// the same in both.

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { CHUNK_HASH_BYTES, MAX_CHUNKS, MIN_CHUNK_BYTES } from '../protocol/chunk-hash.js';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import type { FileIdentity } from '../protocol/messages.js';

/** Read size inside the worker for most files: one chunk (chunk-hash.ts), 1 MiB, few syscalls, cache-friendly. */
export const HASH_CHUNK_BYTES = MIN_CHUNK_BYTES;

// The worker loads the BLAKE3 binding by absolute path: an eval'd worker
// resolves bare names from the working directory, not from ferry's install.
const BLAKE_MODULE = createRequire(import.meta.url).resolve('@napi-rs/blake-hash');

// Runs inside each worker. Synchronous reads are right here: the thread does
// nothing else, and it saves a hop through the libuv pool per chunk. The file
// is fstat'ed before and after reading so the caller can tell which version of
// the file the digest belongs to, and whether it changed mid-read. Chunks are
// cut as chunk-hash.ts cuts them (chunkBytesFor, repeated here because a
// worker string cannot import it; the pool checks the result's shape).
const WORKER_SOURCE = `
'use strict';
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const { blake3 } = require(${JSON.stringify(BLAKE_MODULE)});
const FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK || 0);
let buf = Buffer.allocUnsafe(${MIN_CHUNK_BYTES});
const identity = (s) => ({ dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs });
const chunkBytesFor = (size) => { let b = ${MIN_CHUNK_BYTES}; while (Math.ceil(size / b) > ${MAX_CHUNKS}) b *= 2; return b; };
function fill(fd, length) {
  let n = 0;
  while (n < length) { const got = fs.readSync(fd, buf, n, length - n, null); if (got === 0) break; n += got; }
  return n;
}
// The MD5 alone: what a download of a file never hashed waits for last,
// while another worker makes its chunk list. The reads go to the libuv pool
// (two buffers: the next block is read while this one is hashed), so this
// thread does nothing but MD5: measured here on 2 GiB, 3.5 s of this thread
// with synchronous reads, 3.2 s so. 256 KiB blocks stay in the caches
// between the copy and the hash.
const MD5_BLOCK = 256 * 1024;
const md5Blocks = [Buffer.allocUnsafe(MD5_BLOCK), Buffer.allocUnsafe(MD5_BLOCK)];
const readAt = (fd, b, pos) => new Promise((resolve, reject) => fs.read(fd, b, 0, b.length, pos, (err, n) => (err ? reject(err) : resolve(n))));
async function md5Only(path) {
  let fd = -1;
  try {
    fd = fs.openSync(path, FLAGS);
    const before = fs.fstatSync(fd);
    if (!before.isFile()) return { error: { errno: 'EISDIR' } };
    const md5 = createHash('md5');
    let bytes = 0;
    if (before.size <= buf.length) {
      // One block or less: nothing to overlap, and a hop through the pool per
      // file would slow a hashall of many small files.
      for (;;) {
        const n = fill(fd, buf.length);
        if (n === 0) break;
        md5.update(buf.subarray(0, n));
        bytes += n;
      }
      return { md5: md5.digest('hex'), bytes, before: identity(before), after: identity(fs.fstatSync(fd)) };
    }
    let turn = 0;
    let next = readAt(fd, md5Blocks[0], 0);
    for (;;) {
      const n = await next;
      const block = md5Blocks[turn++ % 2];
      if (n === 0) break;
      bytes += n;
      next = readAt(fd, md5Blocks[turn % 2], bytes); // until a read gives nothing: a short one need not be the end
      md5.update(n === MD5_BLOCK ? block : block.subarray(0, n));
    }
    const after = fs.fstatSync(fd);
    return { md5: md5.digest('hex'), bytes, before: identity(before), after: identity(after) };
  } catch (err) {
    return { error: { errno: (err && err.code) || 'EIO' } };
  } finally {
    if (fd >= 0) try { fs.closeSync(fd); } catch {}
  }
}
// One file: the reply's fields, and the chunk list's memory to transfer.
function hashOne(path, wantMd5) {
  let fd = -1;
  try {
    fd = fs.openSync(path, FLAGS);
    const before = fs.fstatSync(fd);
    if (!before.isFile()) return { reply: { error: { errno: 'EISDIR' } } };
    const chunkBytes = chunkBytesFor(before.size);
    if (buf.length < chunkBytes) buf = Buffer.allocUnsafe(chunkBytes);
    const md5 = wantMd5 ? createHash('md5') : null;
    const hashes = [];
    let bytes = 0;
    for (;;) {
      const n = fill(fd, chunkBytes);
      if (n === 0) break;
      const piece = n === buf.length ? buf : buf.subarray(0, n);
      hashes.push(blake3(piece));
      if (md5) md5.update(piece);
      bytes += n;
      if (n < chunkBytes) break;
    }
    const after = fs.fstatSync(fd);
    const chunks = Buffer.concat(hashes);
    const list = chunks.buffer.slice(chunks.byteOffset, chunks.byteOffset + chunks.length);
    return { reply: { md5: md5 ? md5.digest('hex') : undefined, chunkBytes, chunks: list, bytes, before: identity(before), after: identity(after) }, list };
  } catch (err) {
    return { reply: { error: { errno: (err && err.code) || 'EIO' } } };
  } finally {
    if (fd >= 0) try { fs.closeSync(fd); } catch {}
  }
}
parentPort.on('message', (job) => {
  if (job.paths) {
    const batch = [];
    const lists = [];
    for (const path of job.paths) {
      const one = hashOne(path, job.md5);
      batch.push(one.reply);
      if (one.list) lists.push(one.list);
    }
    parentPort.postMessage({ id: job.id, batch }, lists);
    return;
  }
  if (job.md5Only) {
    void md5Only(job.path).then((reply) => parentPort.postMessage({ id: job.id, ...reply }));
    return;
  }
  const one = hashOne(job.path, job.md5);
  parentPort.postMessage({ id: job.id, ...one.reply }, one.list ? [one.list] : []);
});
`;

/** What an MD5-only pass gives: the digest and the version of the file it belongs to. */
export interface Md5Result {
  md5: string;
  bytes: number;
  before: FileIdentity;
  after: FileIdentity;
}

export interface HashResult {
  /** Absent when the job skipped it. */
  md5?: string;
  /** The file's chunk size and the BLAKE3 of each chunk, 32 bytes apiece (chunk-hash.ts). */
  chunkBytes: number;
  chunks: Buffer;
  bytes: number;
  /** The file as opened (fstat before the first read). */
  before: FileIdentity;
  /** The file after the last read; differs from `before` if it was written meanwhile. */
  after: FileIdentity;
}

interface Job {
  id: number;
  /** One file, or with `paths` several read one after another (one message each way for all). */
  path: string;
  paths?: string[];
  md5: boolean;
  /** The MD5 alone, no chunk list. */
  md5Only: boolean;
  background: boolean;
  resolve: (r: WorkerReply) => void;
  reject: (e: Error) => void;
}

type OneReply = { error: { errno: string } } | ({ error?: undefined; chunks: ArrayBuffer } & Omit<HashResult, 'chunks'>);
type Md5Reply = { error: { errno: string } } | ({ error?: undefined } & Md5Result);
type WorkerReply = { id: number } & (OneReply | Md5Reply | { batch: OneReply[]; error?: undefined });

/** A worker's answer for one file, as the caller sees it. */
function settleOne(reply: OneReply): HashResult {
  if (reply.error) throw replyError(reply.error.errno);
  return resultOf(reply);
}

/** Worker-side errno to a coded error; never echoes the server's absolute path. */
function replyError(errno: string): FerryError {
  switch (errno) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new FerryError(ErrorCode.NotFound, 'file no longer exists');
    case 'EACCES':
    case 'EPERM':
      return new FerryError(ErrorCode.Forbidden, 'file is not readable by the server');
    case 'EISDIR':
      return new FerryError(ErrorCode.NotAFile, 'not a regular file');
    default:
      return new FerryError(ErrorCode.Internal, `reading the file failed (${errno})`);
  }
}

export class HashPool {
  readonly size: number;
  private readonly workers = new Set<Worker>();
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Job>();
  private readonly queue: Job[] = [];
  /** Low-priority jobs: run only when no other job waits, on one worker at a time. */
  private readonly later: Job[] = [];
  private backgroundBusy = 0;
  private nextId = 1;
  private closed = false;
  /** Most jobs ever running at once (tells whether the pool really ran in parallel). */
  peakBusy = 0;

  constructor(size: number) {
    this.size = Math.max(1, Math.floor(size));
  }

  /** The chunk list (and, with `md5`, the MD5) of the file at `abs`, read by a worker one chunk at a time. */
  hash(abs: string, options: { md5?: boolean; background?: boolean } = {}): Promise<HashResult> {
    return this.submit({ path: abs }, options).then((reply) => settleOne(reply as OneReply));
  }

  /**
   * The MD5 alone of the file at `abs`, for a file whose chunk list is known
   * or being made by another job: the MD5 is the slow hash, and computing
   * BLAKE3 beside it again would only make it later.
   */
  md5(abs: string, options: { background?: boolean } = {}): Promise<Md5Result> {
    return this.submit({ path: abs, md5Only: true }, options).then((reply) => {
      const one = reply as Md5Reply;
      if (one.error) throw replyError(one.error.errno);
      return { md5: one.md5, bytes: one.bytes, before: one.before, after: one.after };
    });
  }

  /**
   * Several files read by one worker one after another: for many small files,
   * where a message each way per file would cost more than reading it. Each
   * file's result or error, in order.
   */
  hashBatch(paths: readonly string[], options: { md5?: boolean } = {}): Promise<(HashResult | FerryError)[]> {
    return this.submit({ path: paths[0] ?? '', paths: [...paths] }, options).then((reply) =>
      ('batch' in reply ? reply.batch : []).map((one) => {
        try {
          return settleOne(one);
        } catch (err) {
          return err instanceof FerryError ? err : new FerryError(ErrorCode.Internal, String(err));
        }
      }),
    );
  }

  private submit(what: { path: string; paths?: string[]; md5Only?: boolean }, options: { md5?: boolean; background?: boolean }): Promise<WorkerReply> {
    if (this.closed) return Promise.reject(new FerryError(ErrorCode.ShuttingDown, 'hash index is closed'));
    return new Promise((resolve, reject) => {
      const job: Job = {
        id: this.nextId++,
        ...what,
        md5: options.md5 ?? true,
        md5Only: what.md5Only ?? false,
        background: options.background ?? false,
        resolve,
        reject,
      };
      (job.background ? this.later : this.queue).push(job);
      this.pump();
    });
  }

  /**
   * Start every worker now rather than with the first jobs: a new thread
   * takes tens of milliseconds to load (more on a busy machine), which the
   * first download of a new file would otherwise wait for, twice over (its
   * fast pass and its MD5 pass each start one). Idle workers do not keep the
   * process alive.
   */
  start(): void {
    while (!this.closed && this.workers.size < this.size) {
      const worker = this.spawn();
      worker.unref();
      this.idle.push(worker);
    }
  }

  /** Worker threads alive (started and not exited). */
  get alive(): number {
    return this.workers.size;
  }

  /** Stop all workers; queued and running jobs fail with SHUTTING_DOWN. */
  async close(): Promise<void> {
    this.closed = true;
    const stopping = new FerryError(ErrorCode.ShuttingDown, 'hash index is closed');
    for (const job of [...this.queue.splice(0), ...this.later.splice(0)]) job.reject(stopping);
    for (const job of this.busy.values()) job.reject(stopping);
    this.busy.clear();
    await Promise.all([...this.workers].map((w) => w.terminate()));
  }

  /** Jobs not yet started (foreground and background). */
  get waiting(): number {
    return this.queue.length + this.later.length;
  }

  private next(): Job | undefined {
    if (this.queue.length > 0) return this.queue.shift();
    if (this.later.length > 0 && this.backgroundBusy === 0) {
      this.backgroundBusy++;
      return this.later.shift();
    }
    return undefined;
  }

  private pump(): void {
    while ((this.queue.length > 0 || (this.later.length > 0 && this.backgroundBusy === 0)) && !this.closed) {
      const worker = this.idle.pop() ?? (this.workers.size < this.size ? this.spawn() : undefined);
      if (!worker) return;
      const job = this.next()!;
      this.busy.set(worker, job);
      this.peakBusy = Math.max(this.peakBusy, this.busy.size);
      worker.ref(); // a running job keeps the process alive; an idle pool does not
      worker.postMessage({ id: job.id, path: job.path, ...(job.paths ? { paths: job.paths } : {}), md5: job.md5, md5Only: job.md5Only });
    }
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    this.workers.add(worker);
    let failure: Error | undefined;
    worker.on('message', (reply: WorkerReply) => {
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      if (job?.background) this.backgroundBusy--;
      worker.unref();
      this.idle.push(worker);
      if (job && job.id === reply.id) job.resolve(reply);
      this.pump();
    });
    worker.on('error', (err) => {
      failure = err;
    });
    worker.on('exit', () => {
      // A crashed worker fails only its own job; the pool spawns a replacement on demand.
      this.workers.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      if (job?.background) this.backgroundBusy--;
      job?.reject(new FerryError(ErrorCode.Internal, `hash worker stopped: ${failure?.message ?? 'exited'}`));
      this.pump();
    });
    return worker;
  }
}

function resultOf(reply: { chunks: ArrayBuffer } & Omit<HashResult, 'chunks'>): HashResult {
  const chunks = Buffer.from(reply.chunks);
  if (chunks.length !== Math.ceil(reply.bytes / reply.chunkBytes) * CHUNK_HASH_BYTES) {
    throw new FerryError(ErrorCode.Internal, 'the hash worker returned a chunk list of the wrong length');
  }
  return { ...(reply.md5 ? { md5: reply.md5 } : {}), chunkBytes: reply.chunkBytes, chunks, bytes: reply.bytes, before: reply.before, after: reply.after };
}
