// The batch: everything queued since the queue was last empty, counted the way
// rclone's stats block counts it (files done / total, bytes, rate, ETA,
// failures). Counters only: a batch of 100,000 files is a handful of numbers,
// whatever the number of rows kept beside it. Time comes in as `now`.

export interface Batch {
  /** Files counted in so far (a folder's once it is listed). */
  files: number;
  done: number;
  /** Of those done: already identical here (nothing moved), and left as they were by the user's answer to a conflict. */
  identical: number;
  skipped: number;
  failed: number;
  cancelled: number;
  /** Bytes of every file counted in, as sized when queued (corrected as each finishes). */
  bytesTotal: number;
  /** Bytes of the files finished. */
  bytesDone: number;
  /** Bytes that will never come: files that failed or were cancelled. */
  bytesDropped: number;
  /** Folders still being listed (their files are not counted yet). */
  listing: number;
  startedAt: number;
  /** When the last file settled (the batch is over). */
  endedAt?: number;
  /** Time spent paused, so the rate means bytes per second of work. */
  pausedMs: number;
  pausedSince?: number;
}

export function newBatch(now: number, paused: boolean): Batch {
  return {
    files: 0,
    done: 0,
    identical: 0,
    skipped: 0,
    failed: 0,
    cancelled: 0,
    bytesTotal: 0,
    bytesDone: 0,
    bytesDropped: 0,
    listing: 0,
    startedAt: now,
    pausedMs: 0,
    ...(paused ? { pausedSince: now } : {}),
  };
}

export function settledCount(b: Batch): number {
  return b.done + b.failed + b.cancelled;
}

/** Every file counted in has settled and no folder is still being listed. */
export function batchComplete(b: Batch): boolean {
  return b.listing === 0 && settledCount(b) >= b.files;
}

/** Close the batch when its last file settles (stops the clock for the rate). */
export function closeIfComplete(b: Batch, now: number): Batch {
  if (!batchComplete(b) || b.endedAt !== undefined) return b;
  return { ...b, endedAt: now, ...pauseEnded(b, now) };
}

export function pauseEnded(b: Batch, now: number): Pick<Batch, 'pausedMs' | 'pausedSince'> {
  return { pausedMs: b.pausedMs + (b.pausedSince !== undefined ? Math.max(0, now - b.pausedSince) : 0), pausedSince: undefined };
}

export interface BatchView {
  files: number;
  done: number;
  identical: number;
  skipped: number;
  failed: number;
  cancelled: number;
  running: number;
  /** Counted in, not started: waiting in the queue. */
  queued: number;
  listing: number;
  /** Finished files' bytes plus what the running ones have so far. */
  bytesDone: number;
  bytesTotal: number;
  /** Bytes per second over the batch's working time. */
  rate: number;
  etaSeconds: number | null;
  complete: boolean;
  paused: boolean;
}

/**
 * The numbers the stats block shows. `runningBytes` is what the running
 * transfers have moved so far (the rows know it), `running` how many there are.
 */
export function batchView(b: Batch, running: number, runningBytes: number, paused: boolean, now: number): BatchView {
  const end = b.endedAt ?? now;
  const pausedMs = b.pausedMs + (b.pausedSince !== undefined ? Math.max(0, end - b.pausedSince) : 0);
  const seconds = Math.max(0, end - b.startedAt - pausedMs) / 1000;
  const bytesDone = b.bytesDone + runningBytes;
  const rate = seconds > 0 ? bytesDone / seconds : 0;
  const remaining = Math.max(0, b.bytesTotal - b.bytesDropped - bytesDone);
  const complete = batchComplete(b);
  return {
    files: b.files,
    done: b.done,
    identical: b.identical,
    skipped: b.skipped,
    failed: b.failed,
    cancelled: b.cancelled,
    running,
    queued: Math.max(0, b.files - settledCount(b) - running),
    listing: b.listing,
    bytesDone,
    bytesTotal: b.bytesTotal,
    rate,
    // Paused, the batch has no end in sight: no ETA rather than a wrong one.
    etaSeconds: complete ? 0 : paused || remaining === 0 ? null : rate > 0 ? remaining / rate : null,
    complete,
    paused,
  };
}
