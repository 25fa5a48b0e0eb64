// Positional writes into the .part file. Pieces gathered during one turn of
// the event loop go out as one writev per run of adjacent pieces: a write per
// UDP datagram cost a thread-pool round trip each, about a fifth of the
// receiving thread at loopback speed, and 1 MiB TCP frames arriving together
// go out in one call too. Runs of whole pages in page-aligned memory go to
// the O_DIRECT handle when there is one (direct-io.ts), the rest through the
// page cache.
//
// O_DIRECT runs wait until they are DIRECT_RUN_BYTES long, and at most
// DIRECT_IN_FLIGHT are written at once. The disk was the bottleneck of a
// download here, and it is faster with large writes: 512 MiB in 8 MiB writes
// took 0.68x the time of 1 MiB writes, and 0.87x again with a second write in
// flight (paired runs, medians, a disk shared with other work). One writev
// becomes several requests the device works on together; ext4 lets only one
// write that allocates blocks run in a file at a time, so the second write
// waits in the thread pool for the first and starts the moment it is done,
// without waiting for a turn of the event loop.

import type { FileHandle } from 'node:fs/promises';
import { directable } from './direct-io.js';

/** Pieces per writev (the kernel's IOV_MAX is 1024). */
const MAX_WRITEV = 256;
/** An O_DIRECT run is written once it is this long (or when everything is to be written: settle). */
export const DIRECT_RUN_BYTES = 8 * 1024 * 1024;
/** Longest O_DIRECT run in one write. */
const MAX_RUN_BYTES = 16 * 1024 * 1024;
/** O_DIRECT writes at once. */
const DIRECT_IN_FLIGHT = 2;
/**
 * O_DIRECT bytes queued past which runs are written whatever their length
 * (pieces that will not join up: a resume's ranges). No more than
 * DIRECT_RUN_BYTES: a sender paused with that much unwritten must see it
 * written, or it would wait for ever.
 */
const DIRECT_QUEUED_MAX = DIRECT_RUN_BYTES;
/**
 * Longest a piece waits for its run to grow, in ms: over a slow link 8 MiB
 * take seconds to gather, and bytes not written are bytes a crash loses
 * (and the record of verified chunks does not move).
 */
export const DIRECT_HOLD_MS = 50;

export interface Piece {
  position: number;
  data: Buffer;
}

export class PositionalWriter {
  private queued: Piece[] = [];
  /** When the oldest piece still queued was added. */
  private queuedSince: number | undefined;
  /**
   * Armed while pieces wait for their run to grow: a sender that stops (a
   * stalled link, a server gone) must not leave them unwritten until the
   * end, where a crash would lose them.
   */
  private holdTimer: NodeJS.Timeout | undefined;
  /** Bytes queued or being written. */
  pendingBytes = 0;
  /** Writes started and not finished, and how many of them are O_DIRECT. */
  private running = 0;
  private runningDirect = 0;
  private idleWaiters: (() => void)[] = [];
  /** The same file opened with O_DIRECT, for pieces that qualify; dropped after the first refusal. */
  direct: FileHandle | undefined;

  /**
   * @param onWritten each run of pieces once it is in the file (`direct`: past the page cache)
   * @param onError a failed write (the pieces of that run are lost)
   */
  constructor(
    private readonly file: FileHandle,
    private readonly onWritten: (run: Piece[], direct: boolean) => void,
    private readonly onError: (err: NodeJS.ErrnoException) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** True when nothing is queued or being written. */
  get idle(): boolean {
    return this.queued.length === 0 && this.running === 0;
  }

  add(piece: Piece): void {
    this.pendingBytes += piece.data.length;
    if (this.queued.length === 0) this.queuedSince = this.now();
    this.queued.push(piece);
  }

  /**
   * Start writing what is queued: runs for the page cache at once, O_DIRECT
   * runs once long enough (see DIRECT_RUN_BYTES) and while fewer than
   * DIRECT_IN_FLIGHT are being written; `all` writes every run now. False
   * if nothing was started.
   */
  flush(all = false): boolean {
    if (this.queued.length === 0) return false;
    const batch = this.queued.sort((a, b) => a.position - b.position);
    const direct = batch.map((p) => this.direct !== undefined && directable(p.position, p.data));
    const runs: { pieces: Piece[]; bytes: number; direct: boolean }[] = [];
    let queuedDirect = 0;
    let i = 0;
    while (i < batch.length) {
      let bytes = batch[i]!.data.length;
      let j = i + 1;
      while (
        j < batch.length &&
        j - i < MAX_WRITEV &&
        direct[j] === direct[i] &&
        batch[j]!.position === batch[j - 1]!.position + batch[j - 1]!.data.length &&
        (!direct[i] || bytes + batch[j]!.data.length <= MAX_RUN_BYTES)
      ) {
        bytes += batch[j]!.data.length;
        j++;
      }
      runs.push({ pieces: batch.slice(i, j), bytes, direct: direct[i]! });
      if (direct[i]) queuedDirect += bytes;
      i = j;
    }
    const anyLength = all || queuedDirect >= DIRECT_QUEUED_MAX || this.now() - this.queuedSince! >= DIRECT_HOLD_MS;
    this.queued = [];
    let started = false;
    for (const run of runs) {
      const go = !run.direct || ((anyLength || run.bytes >= DIRECT_RUN_BYTES) && (all || this.runningDirect < DIRECT_IN_FLIGHT));
      if (!go) {
        this.queued.push(...run.pieces);
        continue;
      }
      this.writeRun(run.pieces, run.direct);
      started = true;
    }
    if (this.queued.length === 0) this.queuedSince = undefined;
    else if (started) this.queuedSince = this.now(); // what is left waits from now
    this.armHold();
    return started;
  }

  /** Flush again once the oldest queued piece has waited DIRECT_HOLD_MS, if nothing else does first. */
  private armHold(): void {
    if (this.queued.length === 0) {
      clearTimeout(this.holdTimer);
      this.holdTimer = undefined;
      return;
    }
    if (this.holdTimer !== undefined) return;
    const wait = Math.max(1, DIRECT_HOLD_MS - (this.now() - this.queuedSince!));
    this.holdTimer = setTimeout(() => {
      this.holdTimer = undefined;
      this.flush(this.idleWaiters.length > 0);
    }, wait);
    this.holdTimer.unref();
  }

  /** Resolves once everything queued so far is written (or failed). */
  async settle(): Promise<void> {
    this.flush(true);
    if (this.idle) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private writeRun(run: Piece[], direct: boolean): void {
    this.running++;
    if (direct) this.runningDirect++;
    const buffers = run.map((p) => p.data);
    const position = run[0]!.position;
    const write = direct
      ? writeAll(this.direct!, buffers, position).catch((err: NodeJS.ErrnoException) => {
          // A file system may accept O_DIRECT at open and refuse the write: use the page cache from now on.
          if (err.code !== 'EINVAL') throw err;
          this.direct = undefined;
          return writeAll(this.file, buffers, position);
        })
      : writeAll(this.file, buffers, position);
    write.then(
      () => this.done(run, direct, () => this.onWritten(run, direct && this.direct !== undefined)),
      (err: NodeJS.ErrnoException) => this.done(run, direct, () => this.onError(err)),
    );
  }

  /**
   * Count the run out before telling anyone (a listener checks the backlog to
   * resume its sender), then start what waited for it: everything, when
   * someone waits for the writer to settle.
   */
  private done(run: Piece[], direct: boolean, tell: () => void): void {
    this.running--;
    if (direct) this.runningDirect--;
    for (const p of run) this.pendingBytes -= p.data.length;
    tell();
    this.flush(this.idleWaiters.length > 0);
    if (this.idle) for (const wake of this.idleWaiters.splice(0)) wake();
  }
}

/** writev may write less than asked; carry on from where it stopped. */
async function writeAll(file: FileHandle, buffers: Buffer[], position: number): Promise<void> {
  let total = 0;
  for (const b of buffers) total += b.length;
  let done = 0;
  while (done < total) {
    let skip = done;
    const rest: Buffer[] = [];
    for (const b of buffers) {
      if (skip >= b.length) skip -= b.length;
      else {
        rest.push(skip > 0 ? b.subarray(skip) : b);
        skip = 0;
      }
    }
    const { bytesWritten } = await file.writev(rest, position + done);
    if (bytesWritten === 0) throw Object.assign(new Error('the part file accepted no bytes'), { code: 'EIO' });
    done += bytesWritten;
  }
}
