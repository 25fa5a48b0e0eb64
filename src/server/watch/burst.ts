// Telling when the kernel may have dropped change events. Linux queues at most
// fs.inotify.max_queued_events (16,384 by default) for the server's one inotify
// instance; when the server reads too slowly the rest are lost, and Node (libuv)
// drops the kernel's overflow notice without a word. A lost queue shows as a
// burst on reading: thousands of events in a moment. So every raw event is
// counted here, over all watched folders, and a burst of more than half the
// queue within a second is answered with a rescan for everyone. No clock of
// its own: the caller passes the time. The gauge itself is pure and shared with
// `ferry sync --watch --push` (protocol/watch-pending.ts).

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
