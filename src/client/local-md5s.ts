// The MD5s of many local files at once, for check-all (V) over a folder of
// thousands. Each file through the event loop costs a stat, an open, reads and
// a close, four hops or more apiece, and over 20,000 small files those hops,
// not the bytes, were where the time went; so a list of paths goes to a thread
// in one message, and a list of digests comes back in one.
//
// Its own small threads rather than the hashing pool (src/hashing/): that pool
// answers with a BLAKE3 chunk list and both file identities per file, which
// check-all does not use, and for files of a few KiB building, transferring
// and unpacking those cost as much as the MD5 itself (measured over 20,000
// files of 1–16 KiB: about 1.1 s of CPU through the pool, 0.55 s here).

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ErrorCode, FerryError } from '../protocol/errors.js';

/** Read size: files of any size are hashed a piece at a time, never read whole into memory. */
const READ_BYTES = 1024 * 1024;

// Runs inside each thread: synchronous reads are right here (the thread does
// nothing else, and each saves a hop through the libuv pool). A reply is one
// string per path: the MD5 in hex, '' where there is no regular file, or
// '!' and the error code where one could not be read.
const WORKER_SOURCE = `
'use strict';
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const buf = Buffer.allocUnsafe(${READ_BYTES});
function md5Of(path) {
  let fd = -1;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK || 0));
    if (!fs.fstatSync(fd).isFile()) return '';
    const md5 = createHash('md5');
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      md5.update(n === buf.length ? buf : buf.subarray(0, n));
      // A short read of a regular file is its end (as the hashing pool reads): a small file costs one read, not two.
      if (n < buf.length) break;
    }
    return md5.digest('hex');
  } catch (err) {
    const code = (err && err.code) || 'EIO';
    return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' ? '' : '!' + code;
  } finally {
    if (fd >= 0) try { fs.closeSync(fd); } catch {}
  }
}
parentPort.on('message', (job) => parentPort.postMessage({ id: job.id, md5s: job.paths.map(md5Of) }));
`;

interface Job {
  id: number;
  paths: readonly string[];
  resolve: (md5s: string[]) => void;
  reject: (err: Error) => void;
}

/** A few threads that hash lists of local files; idle ones do not keep the process alive. */
class Md5Pool {
  private readonly workers = new Set<Worker>();
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Job>();
  private readonly queue: Job[] = [];
  private nextId = 1;

  constructor(private readonly size: number) {}

  hash(paths: readonly string[]): Promise<string[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, paths, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.workers.size < this.size ? this.spawn() : undefined);
      if (!worker) return;
      const job = this.queue.shift()!;
      this.busy.set(worker, job);
      worker.ref(); // a running job keeps the process alive
      worker.postMessage({ id: job.id, paths: job.paths });
    }
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    this.workers.add(worker);
    let failure: Error | undefined;
    worker.on('message', (reply: { id: number; md5s: string[] }) => {
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      worker.unref();
      this.idle.push(worker);
      if (job && job.id === reply.id) job.resolve(reply.md5s);
      this.pump();
    });
    worker.on('error', (err) => {
      failure = err;
    });
    worker.on('exit', () => {
      // A thread that died fails only its own job; the next job starts another.
      this.workers.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      const job = this.busy.get(worker);
      this.busy.delete(worker);
      job?.reject(new FerryError(ErrorCode.Internal, `hashing thread stopped: ${failure?.message ?? 'exited'}`));
      this.pump();
    });
    return worker;
  }
}

/** Started on first use. */
let pool: Md5Pool | undefined;

/**
 * The MD5s of `abs`, in order: null where there is no regular file, the error
 * where one could not be read. Callers keep each list small (tens of files):
 * one thread reads the whole list before answering.
 */
export async function localMd5s(abs: readonly string[]): Promise<(string | null | Error)[]> {
  if (abs.length === 0) return [];
  pool ??= new Md5Pool(availableParallelism());
  const md5s = await pool.hash([...abs]);
  if (md5s.length !== abs.length) throw new FerryError(ErrorCode.Internal, 'the hashing thread answered for the wrong number of files');
  return md5s.map((m) => (m === '' ? null : m.startsWith('!') ? localReadError(m.slice(1)) : m));
}

function localReadError(code: string): FerryError {
  if (code === 'EACCES' || code === 'EPERM') return new FerryError(ErrorCode.Forbidden, `not readable (${code})`);
  return new FerryError(ErrorCode.Internal, `reading failed (${code})`);
}
