// Positional writes of received chunks into the .part file. Chunks gathered
// during one turn of the event loop go out as one writev per run of adjacent
// chunks: a write per datagram cost a thread-pool round trip each, about a
// fifth of the receiving thread at loopback speed.

import type { FileHandle } from 'node:fs/promises';
import { ErrorCode, FerryError } from '../protocol/errors.js';

/** Chunks per writev (the kernel's IOV_MAX is 1024). */
const MAX_WRITEV = 256;

interface Pending {
  chunk: number;
  position: number;
  data: Buffer;
}

export class PartWriter {
  private readonly written: Uint8Array;
  private queued: Pending[] = [];
  private durable: number;
  /** Chunks queued or being written. */
  pending = 0;
  pendingBytes = 0;

  /**
   * @param startChunk chunks below this are already in the file (resume)
   * @param onWritten called after each batch lands
   * @param onError called once per failed batch, with a FerryError
   */
  constructor(
    private readonly file: FileHandle,
    total: number,
    startChunk: number,
    private readonly onWritten: () => void,
    private readonly onError: (e: FerryError) => void,
  ) {
    this.written = new Uint8Array(total);
    this.written.fill(1, 0, startChunk);
    this.durable = startChunk;
  }

  /** Chunks from the start of the file written without a gap: safe to record for resume. */
  get durableChunks(): number {
    return this.durable;
  }

  isWritten(chunk: number): boolean {
    return this.written[chunk] === 1;
  }

  /** Queue a chunk; call flush() (once per event-loop turn) to write what is queued. */
  add(chunk: number, position: number, data: Buffer): void {
    this.pending++;
    this.pendingBytes += data.length;
    this.queued.push({ chunk, position, data });
  }

  /** Start writing everything queued; false if nothing was. */
  flush(): boolean {
    if (this.queued.length === 0) return false;
    const batch = this.queued.sort((a, b) => a.chunk - b.chunk);
    this.queued = [];
    let i = 0;
    while (i < batch.length) {
      let j = i + 1;
      while (j < batch.length && j - i < MAX_WRITEV && batch[j]!.chunk === batch[j - 1]!.chunk + 1) j++;
      this.writeRun(batch.slice(i, j));
      i = j;
    }
    return true;
  }

  private writeRun(run: Pending[]): void {
    writeAll(
      this.file,
      run.map((w) => w.data),
      run[0]!.position,
    ).then(
      () => {
        for (const w of run) {
          this.pending--;
          this.pendingBytes -= w.data.length;
          this.written[w.chunk] = 1;
        }
        while (this.durable < this.written.length && this.written[this.durable]) this.durable++;
        this.onWritten();
      },
      (e: NodeJS.ErrnoException) => {
        const code = e.code === 'ENOSPC' ? ErrorCode.NoSpace : ErrorCode.Internal;
        this.onError(new FerryError(code, `writing the partial download failed: ${e.message}`));
      },
    );
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
    if (bytesWritten === 0) throw new FerryError(ErrorCode.Internal, 'the part file accepted no bytes');
    done += bytesWritten;
  }
}
