// A small pool of worker threads that compute MD5s, so hashing a large tree
// uses every core and the event loop (which is also streaming downloads)
// stays free.
//
// The worker's code is an inline CommonJS string started with { eval: true }:
// a separate worker file would have to exist both as .ts (tests run sources
// through vitest, which a worker cannot load) and as built .js; a string runs
// the same in both.

import { Worker } from 'node:worker_threads';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import type { FileIdentity } from '../protocol/messages.js';

/** Read size inside the worker: 1 MiB keeps syscalls few and the buffer cache-friendly. */
export const HASH_CHUNK_BYTES = 1024 * 1024;

// Runs inside each worker. Synchronous reads are right here: the thread does
// nothing else, and it saves a hop through the libuv pool per chunk. The file
// is fstat'ed before and after reading so the caller can tell which version of
// the file the digest belongs to, and whether it changed mid-read.
const WORKER_SOURCE = `
'use strict';
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const CHUNK = ${HASH_CHUNK_BYTES};
const FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK || 0);
const buf = Buffer.allocUnsafe(CHUNK);
const identity = (s) => ({ dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs });
parentPort.on('message', (job) => {
  let fd = -1;
  try {
    fd = fs.openSync(job.path, FLAGS);
    const before = fs.fstatSync(fd);
    if (!before.isFile()) {
      parentPort.postMessage({ id: job.id, error: { errno: 'EISDIR' } });
      return;
    }
    const hash = createHash('md5');
    let bytes = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      hash.update(n === CHUNK ? buf : buf.subarray(0, n));
      bytes += n;
    }
    const after = fs.fstatSync(fd);
    parentPort.postMessage({ id: job.id, md5: hash.digest('hex'), bytes, before: identity(before), after: identity(after) });
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: { errno: (err && err.code) || 'EIO' } });
  } finally {
    if (fd >= 0) try { fs.closeSync(fd); } catch {}
  }
});
`;

export interface HashResult {
  md5: string;
  bytes: number;
  /** The file as opened (fstat before the first read). */
  before: FileIdentity;
  /** The file after the last read; differs from `before` if it was written meanwhile. */
  after: FileIdentity;
}

interface Job {
  id: number;
  path: string;
  resolve: (r: HashResult) => void;
  reject: (e: Error) => void;
}

type WorkerReply = { id: number; error: { errno: string } } | ({ id: number; error?: undefined } & HashResult);

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
  private nextId = 1;
  private closed = false;
  /** Most jobs ever running at once (tells whether the pool really ran in parallel). */
  peakBusy = 0;

  constructor(size: number) {
    this.size = Math.max(1, Math.floor(size));
  }

  /** MD5 of the file at `abs`, streamed by a worker in HASH_CHUNK_BYTES reads. */
  hash(abs: string): Promise<HashResult> {
    if (this.closed) return Promise.reject(new FerryError(ErrorCode.ShuttingDown, 'hash index is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, path: abs, resolve, reject });
      this.pump();
    });
  }

  /** Stop all workers; queued and running jobs fail with SHUTTING_DOWN. */
  async close(): Promise<void> {
    this.closed = true;
    const stopping = new FerryError(ErrorCode.ShuttingDown, 'hash index is closed');
    for (const job of this.queue.splice(0)) job.reject(stopping);
    for (const job of this.busy.values()) job.reject(stopping);
    this.busy.clear();
    await Promise.all([...this.workers].map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      const worker = this.idle.pop() ?? (this.workers.size < this.size ? this.spawn() : undefined);
      if (!worker) return;
      const job = this.queue.shift()!;
      this.busy.set(worker, job);
      this.peakBusy = Math.max(this.peakBusy, this.busy.size);
      worker.ref(); // a running job keeps the process alive; an idle pool does not
      worker.postMessage({ id: job.id, path: job.path });
    }
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    this.workers.add(worker);
    let failure: Error | undefined;
    worker.on('message', (reply: WorkerReply) => {
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      worker.unref();
      this.idle.push(worker);
      if (job && job.id === reply.id) {
        if (reply.error) job.reject(replyError(reply.error.errno));
        else job.resolve({ md5: reply.md5, bytes: reply.bytes, before: reply.before, after: reply.after });
      }
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
      job?.reject(new FerryError(ErrorCode.Internal, `hash worker stopped: ${failure?.message ?? 'exited'}`));
      this.pump();
    });
    return worker;
  }
}
