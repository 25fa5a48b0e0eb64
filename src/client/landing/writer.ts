// Positional writes into the .part file. Pieces gathered during one turn of
// the event loop go out as one writev per run of adjacent pieces: a write per
// UDP datagram cost a thread-pool round trip each, about a fifth of the
// receiving thread at loopback speed, and 1 MiB TCP frames arriving together
// go out in one call too. Runs of whole pages in page-aligned memory go to
// the O_DIRECT handle when there is one (direct-io.ts), the rest through the
// page cache.

import type { FileHandle } from 'node:fs/promises';
import { directable } from './direct-io.js';

/** Pieces per writev (the kernel's IOV_MAX is 1024). */
const MAX_WRITEV = 256;

export interface Piece {
  position: number;
  data: Buffer;
}

export class PositionalWriter {
  private queued: Piece[] = [];
  /** Bytes queued or being written. */
  pendingBytes = 0;
  /** Writes started and not finished. */
  private running = 0;
  private idleWaiters: (() => void)[] = [];
  /** The same file opened with O_DIRECT, for pieces that qualify; dropped after the first refusal. */
  direct: FileHandle | undefined;

  /**
   * @param onWritten each run of pieces once it is in the file
   * @param onError a failed write (the pieces of that run are lost)
   */
  constructor(
    private readonly file: FileHandle,
    private readonly onWritten: (run: Piece[]) => void,
    private readonly onError: (err: NodeJS.ErrnoException) => void,
  ) {}

  /** True when nothing is queued or being written. */
  get idle(): boolean {
    return this.queued.length === 0 && this.running === 0;
  }

  add(piece: Piece): void {
    this.pendingBytes += piece.data.length;
    this.queued.push(piece);
  }

  /** Start writing everything queued; false if nothing was. */
  flush(): boolean {
    if (this.queued.length === 0) return false;
    const batch = this.queued.sort((a, b) => a.position - b.position);
    this.queued = [];
    let i = 0;
    const direct = batch.map((p) => this.direct !== undefined && directable(p.position, p.data));
    while (i < batch.length) {
      let j = i + 1;
      while (j < batch.length && j - i < MAX_WRITEV && direct[j] === direct[i] && batch[j]!.position === batch[j - 1]!.position + batch[j - 1]!.data.length)
        j++;
      this.writeRun(batch.slice(i, j), direct[i]!);
      i = j;
    }
    return true;
  }

  /** Resolves once everything queued so far is written (or failed). */
  async settle(): Promise<void> {
    this.flush();
    if (this.idle) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private writeRun(run: Piece[], direct: boolean): void {
    this.running++;
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
      () => this.done(run, () => this.onWritten(run)),
      (err: NodeJS.ErrnoException) => this.done(run, () => this.onError(err)),
    );
  }

  /** Count the run out before telling anyone: a listener checks the backlog to resume its sender. */
  private done(run: Piece[], tell: () => void): void {
    this.running--;
    for (const p of run) this.pendingBytes -= p.data.length;
    tell();
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
