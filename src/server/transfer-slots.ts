// A connection's turns for transfers. A client that asks for 64 downloads at
// once gets them served a few at a time: the others wait here holding nothing
// (no file open, no chunk read), so what one connection costs the server does
// not grow with how much it asks for.

import { FerryError, ErrorCode } from '../protocol/errors.js';

export class TransferSlots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

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
