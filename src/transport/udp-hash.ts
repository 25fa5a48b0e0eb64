// MD5 for the UDP receiver, fed strictly in order. Measured on this machine
// kind, MD5 on the thread that reads the socket halves throughput (see
// design.md, "Measured here"), so big downloads hash in a worker thread; the
// chunk's memory is transferred there, not copied, once it has been written.

import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

export interface Md5Sink {
  /** Hash `data` next. With `transfer`, its ArrayBuffer may be handed to another thread. */
  update(data: Buffer, transfer: boolean): void;
  /** Bytes handed to update() but not hashed yet. */
  readonly backlog: number;
  /** Called whenever the backlog shrinks. */
  onDrain: (() => void) | null;
  digest(): Promise<string>;
  close(): void;
}

export class InlineMd5 implements Md5Sink {
  private readonly hash = createHash('md5');
  readonly backlog = 0;
  onDrain: (() => void) | null = null;
  update(data: Buffer): void {
    this.hash.update(data);
  }
  async digest(): Promise<string> {
    return this.hash.digest('hex');
  }
  close(): void {}
}

// CommonJS source for an eval'd worker: keeps the worker in this file with no build step.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const hash = require('node:crypto').createHash('md5');
let hashed = 0;
let done = [];
parentPort.on('message', (m) => {
  if (m.end) { parentPort.postMessage({ hashed, md5: hash.digest('hex') }); return; }
  hash.update(new Uint8Array(m.buf, m.off, m.len));
  hashed += m.len;
  done.push(m.buf);
  // Hashed memory goes back to the main thread, whose busy collector frees it
  // promptly; left here it waited for this quiet isolate's next collection.
  if (hashed >= 1048576) { parentPort.postMessage({ hashed, done }, done); hashed = 0; done = []; }
});
`;

export class WorkerMd5 implements Md5Sink {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  private posted = 0;
  private hashed = 0;
  private result: Promise<string> | null = null;
  private resolveDigest: ((md5: string) => void) | null = null;
  private rejectDigest: ((e: Error) => void) | null = null;
  private failure: Error | null = null;
  onDrain: (() => void) | null = null;

  constructor() {
    this.worker.on('message', (m: { hashed: number; md5?: string }) => {
      this.hashed += m.hashed;
      this.onDrain?.();
      if (m.md5 !== undefined) this.resolveDigest?.(m.md5);
    });
    this.worker.on('error', (e) => {
      this.failure = e;
      this.rejectDigest?.(e);
    });
    this.worker.unref();
  }

  get backlog(): number {
    return this.posted - this.hashed;
  }

  update(data: Buffer, transfer: boolean): void {
    this.posted += data.length;
    const ab = data.buffer as ArrayBuffer;
    // Transfer only a buffer this datagram owns outright; anything else (a pooled buffer) is copied.
    if (transfer && ab.byteLength <= data.length + 64) {
      this.worker.postMessage({ buf: ab, off: data.byteOffset, len: data.length }, [ab]);
    } else {
      const copy = new Uint8Array(data);
      this.worker.postMessage({ buf: copy.buffer, off: 0, len: copy.length }, [copy.buffer]);
    }
  }

  digest(): Promise<string> {
    if (this.result) return this.result;
    this.result = new Promise<string>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.resolveDigest = resolve;
      this.rejectDigest = reject;
      this.worker.postMessage({ end: true });
    });
    return this.result;
  }

  close(): void {
    void this.worker.terminate();
  }
}
