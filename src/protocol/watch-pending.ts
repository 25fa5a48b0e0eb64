// The changes one watching client has not been sent yet, coalesced by path in
// a map of bounded size. A client that reads slowly, or a burst of changes
// bigger than the map, costs at most `limit` paths: past that the map is
// dropped for a single `rescan`, which tells the client to list the folder
// again. No timers and no I/O here (the subscription drives it), so the bound
// is tested as a plain function. The server's subscriptions use it, and so
// does `ferry sync --watch --push` for the local folder it follows: the same
// bound, and the same rescan past it.

import type { WatchEvent, WatchKind } from './messages.js';

export type ChangeKind = Exclude<WatchKind, 'rescan'>;

/** JSON bytes one event costs in an ITEM header besides its path: `{"path":"","kind":"changed"},`. */
const EVENT_OVERHEAD_BYTES = 32;
/**
 * Bytes of paths held at most, whatever `limit` says: paths may be 4 KiB
 * long, and 4,096 of those would be 16 MiB for one client.
 */
export const MAX_PENDING_BYTES = 1024 * 1024;

export class PendingChanges {
  private readonly paths = new Map<string, ChangeKind>();
  /** Set when changes were lost or too many: the next batch is a rescan, and nothing else is kept. */
  private rescanReason: string | undefined;
  /** Bytes of the paths held. */
  private bytes = 0;
  /** The most paths ever held at once (tests check the bound). */
  peak = 0;

  /**
   * @param root the watched folder's path, named by a rescan
   * @param limit most distinct paths held
   */
  constructor(
    readonly root: string,
    readonly limit: number,
  ) {}

  /** Paths waiting (0 once a rescan is due): never more than `limit`. */
  get size(): number {
    return this.paths.size;
  }

  /** Is anything waiting to be sent? */
  get due(): boolean {
    return this.rescanReason !== undefined || this.paths.size > 0;
  }

  /**
   * Note a change. The latest kind wins, except that a path added and then
   * changed before it was sent is still news as `added`.
   */
  add(path: string, kind: ChangeKind): void {
    if (this.rescanReason !== undefined) return;
    const before = this.paths.get(path);
    if (before === undefined) {
      const bytes = path.length; // UTF-16 units: at most the UTF-8 bytes' count, and free to compute
      if (this.paths.size >= this.limit || this.bytes + bytes > MAX_PENDING_BYTES) return this.rescan('behind');
      this.bytes += bytes;
    }
    this.paths.set(path, before === 'added' && kind === 'changed' ? 'added' : kind);
    this.peak = Math.max(this.peak, this.paths.size);
  }

  /** Give up on the details: the client will be told to list again. */
  rescan(reason: string): void {
    this.rescanReason ??= reason;
    this.paths.clear();
    this.bytes = 0;
  }

  /**
   * The next batch to send, removed from what is waiting: a rescan alone, or
   * events in the order first heard, as many as fit in `maxBytes` of JSON.
   */
  take(maxBytes: number): WatchEvent[] {
    if (this.rescanReason !== undefined) {
      const reason = this.rescanReason;
      this.rescanReason = undefined;
      return [{ path: this.root, kind: 'rescan', reason }];
    }
    const out: WatchEvent[] = [];
    let bytes = 0;
    for (const [path, kind] of this.paths) {
      const size = Buffer.byteLength(JSON.stringify(path)) + EVENT_OVERHEAD_BYTES;
      if (out.length > 0 && bytes + size > maxBytes) break;
      out.push({ path, kind });
      bytes += size;
      this.paths.delete(path);
      this.bytes -= path.length;
    }
    return out;
  }
}

/**
 * Raw kernel events counted over a window: more than `limit` of them within
 * `windowMs` means the kernel's queue may have overflowed (Node drops that
 * notice), so the caller rescans. Time comes in as an argument.
 */
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
