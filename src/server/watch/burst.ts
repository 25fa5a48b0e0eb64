// Telling when the kernel may have dropped change events. Linux queues at most
// fs.inotify.max_queued_events (16,384 by default) for the server's one inotify
// instance; when the server reads too slowly the rest are lost, and Node (libuv)
// drops the kernel's overflow notice without a word. A lost queue shows as a
// burst on reading: thousands of events in a moment. So every raw event is
// counted here, over all watched folders, and a burst of more than half the
// queue within a second is answered with a rescan for everyone. No clock of
// its own: the caller passes the time.

import { readFileSync } from 'node:fs';

/** The kernel's queue for one inotify instance (16,384 when it cannot be read). */
export function kernelQueueEvents(): number {
  try {
    const n = Number.parseInt(readFileSync('/proc/sys/fs/inotify/max_queued_events', 'utf8'), 10);
    return Number.isSafeInteger(n) && n > 0 ? n : 16_384;
  } catch {
    return 16_384;
  }
}

export class BurstGauge {
  private start = Number.NEGATIVE_INFINITY;
  private count = 0;
  private tripped = false;

  constructor(
    readonly limit: number,
    readonly windowMs = 1000,
  ) {}

  /** Note one raw event at `now` (ms); true once per window, when its count passes the limit. */
  note(now: number): boolean {
    if (now - this.start > this.windowMs) {
      this.start = now;
      this.count = 0;
      this.tripped = false;
    }
    if (++this.count <= this.limit || this.tripped) return false;
    this.tripped = true;
    return true;
  }
}
