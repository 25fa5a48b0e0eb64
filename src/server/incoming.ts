// Upload bytes arriving for one request, consumed as an async iterable.
// When more than `highWater` bytes are waiting, the connection stops reading
// (pause) until the consumer catches up, so a fast client cannot make the
// server buffer a whole file in memory.

import { ErrorCode, FerryError } from '../protocol/errors.js';

export class IncomingStream implements AsyncIterable<Buffer> {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private paused = false;

  constructor(
    private readonly pause: () => void,
    private readonly resume: () => void,
    private readonly highWater = 8 * 1024 * 1024,
  ) {}

  push(chunk: Buffer): void {
    if (this.ended || this.failure) return;
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (this.queued > this.highWater && !this.paused) {
      this.paused = true;
      this.pause();
    }
    this.notify();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  fail(err: Error): void {
    this.failure ??= err;
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    try {
      for (;;) {
        const chunk = this.queue.shift();
        if (chunk) {
          this.queued -= chunk.length;
          if (this.paused && this.queued <= this.highWater / 2) {
            this.paused = false;
            this.resume();
          }
          yield chunk;
          continue;
        }
        if (this.failure) throw this.failure;
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      if (this.paused) {
        this.paused = false;
        this.resume();
      }
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

export const uploadCancelled = () => new FerryError(ErrorCode.Cancelled, 'upload cancelled');
