// One client following one folder: the changes it has not been sent yet
// (bounded, protocol/watch-pending.ts) and the pace they go out at. Changes are gathered for
// DEBOUNCE_MS after the first one, so a burst (a folder unpacked, a build)
// leaves as a few batches rather than an ITEM per file.

import type { FerryError } from '../../protocol/errors.js';
import type { WatchEvent } from '../../protocol/messages.js';
import { DeadlineTimer } from '../../transport/deadline-timer.js';
import type { ChangeSink } from './folder-watcher.js';
import { type ChangeKind, PendingChanges } from '../../protocol/watch-pending.js';

/** How long changes are gathered before a batch is sent. */
export const DEBOUNCE_MS = 100;
/**
 * A gathering timer that fires this much late means the server was too busy
 * to read the kernel's events for that long, and the kernel's queue (16,384
 * events by default) may have overflowed: Node drops that notice, so a rescan
 * is sent instead.
 */
export const LAG_RESCAN_MS = 2000;

export class Subscription implements ChangeSink {
  readonly pending: PendingChanges;
  private wake: (() => void) | undefined;
  private ended: FerryError | undefined;

  constructor(
    root: string,
    pendingLimit: number,
    private readonly onClose: (s: Subscription) => void,
  ) {
    this.pending = new PendingChanges(root, pendingLimit);
  }

  change(rel: string, kind: ChangeKind): void {
    this.pending.add(rel, kind);
    this.wake?.();
  }

  rescan(reason: string): void {
    this.pending.rescan(reason);
    this.wake?.();
  }

  end(error: FerryError): void {
    this.ended ??= error;
    this.wake?.();
  }

  /**
   * The next batch: waits for a change, gathers for DEBOUNCE_MS, and returns
   * at most `maxBytes` of events (the rest stay for the next call). Rejects
   * when the signal aborts or the folder is gone.
   */
  async next(signal: AbortSignal, maxBytes: number): Promise<WatchEvent[]> {
    while (!this.pending.due) {
      this.check(signal);
      await this.wait(signal);
    }
    this.check(signal);
    const asked = performance.now();
    await this.wait(signal, DEBOUNCE_MS);
    this.check(signal);
    if (performance.now() - asked > DEBOUNCE_MS + LAG_RESCAN_MS) this.pending.rescan('overflow');
    return this.pending.take(maxBytes);
  }

  close(): void {
    this.onClose(this);
  }

  private check(signal: AbortSignal): void {
    if (signal.aborted) throw signal.reason;
    if (this.ended) throw this.ended;
  }

  /** Until a change (or, with `ms`, until that much time has passed), an abort, or the end. */
  private wait(signal: AbortSignal, ms?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      // The timer is transport/'s, like every timer a driver keeps.
      const timer = new DeadlineTimer(() => done());
      const done = () => {
        timer.clear();
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      if (ms === undefined) this.wake = done;
      else {
        this.wake = () => this.ended && done();
        const now = performance.now();
        timer.set(now + ms, now);
      }
    });
  }
}
