// Turns for work that must be bounded: a connection's transfers (a client that
// asks for 64 downloads at once gets them a few at a time), and the server's
// walks of the share (listings, searches, check-all) across all connections.
// Whoever waits here holds nothing (no file, no folder, no chunk), so what the
// server spends does not grow with how much is asked of it.

import { FerryError, ErrorCode } from '../protocol/errors.js';

export class Turns {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  /**
   * `size` turns run at once; past `maxWaiting` waiters a new one is refused at
   * once with `busy()` (a queue without end is only a slower way to fall over).
   */
  constructor(
    private readonly size: number,
    private readonly maxWaiting = Number.POSITIVE_INFINITY,
    private readonly busy: (running: number, waiting: number) => FerryError = (r, w) =>
      new FerryError(ErrorCode.TooManyRequests, `server busy: ${r} running and ${w} waiting`),
  ) {}

  /** Turns in use (tests and the bench read it). */
  get active(): number {
    return this.running;
  }

  /**
   * Wait for a turn; resolves with the function that gives it back. Rejects
   * with the signal's reason if the request is cancelled while it waits.
   */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason ?? new FerryError(ErrorCode.Cancelled, 'cancelled'));
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    };
    if (this.running < this.size) {
      this.running++;
      return Promise.resolve(release);
    }
    if (this.waiting.length >= this.maxWaiting) return Promise.reject(this.busy(this.running, this.waiting.length));
    return new Promise((resolve, reject) => {
      // The turn is handed over directly: `running` stays the same.
      const grant = () => {
        signal.removeEventListener('abort', onAbort);
        resolve(release);
      };
      const onAbort = () => {
        this.waiting.splice(this.waiting.indexOf(grant), 1);
        reject(signal.reason);
      };
      this.waiting.push(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/**
 * `source`, one step per turn: each step (a slice of a walk) waits for a turn
 * and gives it back before the step's result is handed on, so walks share the
 * turns in order, slice by slice, and a short listing never waits behind a
 * long one for more than a few slices. A consumer stopping early closes `source`.
 */
export async function* stepByTurn<T>(source: AsyncGenerator<T>, turns: Turns, signal: AbortSignal): AsyncGenerator<T> {
  try {
    for (;;) {
      const release = await turns.acquire(signal);
      let step: IteratorResult<T>;
      try {
        step = await source.next();
      } finally {
        release();
      }
      if (step.done) return;
      yield step.value;
    }
  } finally {
    await source.return(undefined);
  }
}
