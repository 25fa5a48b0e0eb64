// The server's command log: one JSON line per executed command, appended in
// order. Logging must never slow or break a request, so append() only queues
// the line and a single writer drains the queue; a failing disk is reported
// once on stderr and otherwise ignored.
//
// Everything about it is bounded: each line (log-record.ts), each file
// (rotated by size, a fixed number of older files kept), and the queue in
// front of a slow disk (lines past it are dropped and counted, and the count
// is logged). `logs` reads the tail from the end of the files, so a log that
// has grown for months costs the same to show.

import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { LogRecord } from '../protocol/messages.js';
import { boundRecord, droppedRecord, MAX_LOG_FIELD_CHARS, MAX_LOG_LINE_BYTES } from './log-record.js';
import { readForward, tailStart, type LogFileSnapshot } from './log-tail.js';

const NEWLINE = 0x0a;

export interface LogRotation {
  /** A file is rotated before a line would take it past this many bytes. */
  maxFileBytes: number;
  /** Rotated files kept besides the current one (file.1 newest … file.N oldest). */
  keepFiles: number;
}

/**
 * 32 MiB holds about 100,000 typical lines (~300 bytes), the most `ferry logs
 * --limit` asks for, so the current and the previous file always answer it;
 * with 4 older files the log takes at most 160 MiB of disk, and a few months
 * of ordinary use before the oldest lines go.
 */
export const DEFAULT_LOG_ROTATION: LogRotation = { maxFileBytes: 32 * 1024 * 1024, keepFiles: 4 };

/**
 * Lines waiting for the disk. A healthy disk drains them in milliseconds; 4 MiB
 * (some 15,000 lines) rides out a slow moment, and past it a stalled disk costs
 * no more memory: new lines are dropped and their number logged once it moves.
 */
export const DEFAULT_MAX_PENDING_BYTES = 4 * 1024 * 1024;

export interface CommandLogOptions extends Partial<LogRotation> {
  maxPendingBytes?: number;
}

/** The name of the n-th older file (1 is the newest of them). */
export function rotatedLogFile(file: string, n: number): string {
  return `${file}.${n}`;
}

interface Line {
  text: string;
  bytes: number;
  seq: number;
}

export type LogListener = (r: LogRecord, seq: number) => void;

export class CommandLog {
  readonly file: string;
  readonly rotation: LogRotation;
  private readonly maxPendingBytes: number;
  private handle: FileHandle;
  /** Bytes in the current file, to know when to rotate. */
  private size: number;
  private pending: Line[] = [];
  private pendingBytesCount = 0;
  /** Lines dropped because the queue was full, not yet logged. */
  private dropped = 0;
  /** Sequence number of the last record appended, and of the last one taken off the queue. */
  private seq = 0;
  private writtenSeq = 0;
  /** Every disk operation (writes, rotations, tail snapshots) runs in this one chain, in order. */
  private chain: Promise<void> = Promise.resolve();
  private writeQueued = false;
  private readonly listeners = new Set<LogListener>();
  private reported = false;
  /** The last write failed part-way: the file may not end with a newline. */
  private mayBeTorn = false;
  private closed = false;

  private constructor(file: string, handle: FileHandle, size: number, options: CommandLogOptions) {
    this.file = file;
    this.handle = handle;
    this.size = size;
    this.rotation = {
      maxFileBytes: options.maxFileBytes ?? DEFAULT_LOG_ROTATION.maxFileBytes,
      keepFiles: Math.max(1, options.keepFiles ?? DEFAULT_LOG_ROTATION.keepFiles),
    };
    this.maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
  }

  static async open(file: string, options: CommandLogOptions = {}): Promise<CommandLog> {
    const abs = path.resolve(file);
    await fs.mkdir(path.dirname(abs), { recursive: true });
    const handle = await fs.open(abs, 'a+');
    let size: number;
    try {
      // A crash mid-write can leave a last line without its newline; end it so the
      // next record starts on a line of its own instead of being glued to garbage.
      size = (await handle.stat()).size;
      if (size > 0) {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        if (last[0] !== NEWLINE) size += (await handle.write('\n')).bytesWritten;
      }
    } catch (err) {
      await handle.close();
      throw err;
    }
    return new CommandLog(abs, handle, size, options);
  }

  /** Every bound this log keeps, for `serve --verbose`. */
  get limits(): LogRotation & { maxPendingBytes: number; maxLineBytes: number; maxFieldChars: number } {
    return { ...this.rotation, maxPendingBytes: this.maxPendingBytes, maxLineBytes: MAX_LOG_LINE_BYTES, maxFieldChars: MAX_LOG_FIELD_CHARS };
  }

  /** Bytes of lines waiting for the disk (at most maxPendingBytes). */
  get pendingBytes(): number {
    return this.pendingBytesCount;
  }

  /** The current file and every rotated one that may exist, newest first. */
  files(): string[] {
    return [this.file, ...Array.from({ length: this.rotation.keepFiles }, (_, i) => rotatedLogFile(this.file, i + 1))];
  }

  /** Queue one record (cut to a bounded line); returns at once. Subscribers hear about it immediately. */
  append(record: LogRecord): void {
    if (this.closed) return;
    let bounded: LogRecord;
    let text: string;
    try {
      bounded = boundRecord(record);
      text = JSON.stringify(bounded) + '\n';
    } catch (err) {
      this.report(err);
      return;
    }
    const bytes = Buffer.byteLength(text);
    if (this.dropped > 0 && this.fits(bytes + 512)) this.noteDropped();
    const seq = ++this.seq;
    // When full, the newest lines are the ones dropped: what is queued stays in order.
    if (this.dropped > 0 || !this.fits(bytes)) this.dropped++;
    else this.enqueue(text, bytes, seq);
    this.notify(bounded, seq);
  }

  /**
   * Stream the last `limit` valid records, oldest first, to `onRecord`, and
   * resolve with how many and with the sequence number of the newest record
   * the files held: records heard by a subscriber with a higher number were
   * not in the files read. Invalid or torn lines are skipped.
   */
  async readTail(limit: number, onRecord: (r: LogRecord) => void | Promise<void>, signal?: AbortSignal): Promise<{ count: number; seq: number }> {
    const { files, seq } = await this.snapshot();
    try {
      if (!(limit > 0)) return { count: 0, seq };
      const start = await tailStart(files, limit);
      return { count: await readForward(files, start, onRecord, signal), seq };
    } finally {
      await Promise.all(files.map((f) => f.handle.close().catch(() => undefined)));
    }
  }

  /** The last `limit` valid records, oldest first. */
  async tail(limit: number): Promise<LogRecord[]> {
    const records: LogRecord[] = [];
    await this.readTail(limit, (r) => void records.push(r));
    return records;
  }

  /** Hear every record appended from now on (with its sequence number); call the returned function to stop. */
  subscribe(listener: LogListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Resolves once everything queued so far is on disk (or failed to get there). */
  async flush(): Promise<void> {
    for (;;) {
      const chain = this.chain;
      await chain;
      // Idle only if nothing was queued on the chain meanwhile (a write may have been running) and no line waits.
      if (chain === this.chain && this.pending.length === 0 && this.dropped === 0) return;
      if (!this.writeQueued && (this.pending.length > 0 || this.dropped > 0)) this.kick();
    }
  }

  /** Write everything queued, then close the file. Later appends are ignored. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    this.listeners.clear();
    await this.chain;
    await this.handle.close().catch(() => undefined);
  }

  private fits(bytes: number): boolean {
    return this.pendingBytesCount + bytes <= this.maxPendingBytes;
  }

  private enqueue(text: string, bytes: number, seq: number): void {
    this.pending.push({ text, bytes, seq });
    this.pendingBytesCount += bytes;
    this.kick();
  }

  /** Queue the record that says how many lines were lost, once the queue has room again. */
  private noteDropped(): void {
    const n = this.dropped;
    this.dropped = 0;
    const record = droppedRecord(n, 'dropped: the log could not be written fast enough');
    const text = JSON.stringify(record) + '\n';
    const seq = ++this.seq;
    this.enqueue(text, Buffer.byteLength(text), seq);
    this.notify(record, seq);
  }

  private notify(record: LogRecord, seq: number): void {
    for (const listener of this.listeners) {
      try {
        listener(record, seq);
      } catch (err) {
        this.report(err); // one bad follower must not stop the others or the request
      }
    }
  }

  private exclusive<T>(op: () => Promise<T>): Promise<T> {
    const result = this.chain.then(op);
    this.chain = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Make sure one write is queued while lines wait; each write takes what is queued when it runs. */
  private kick(): void {
    if (this.writeQueued) return;
    this.writeQueued = true;
    void this.exclusive(async () => {
      this.writeQueued = false;
      await this.writePending();
      if (this.pending.length > 0 || this.dropped > 0) this.kick();
    });
  }

  private async writePending(): Promise<void> {
    // Drops not yet told (no append since there was room): say so now, after what was
    // queued before them, not at the next request. One short line may pass the bound.
    if (this.dropped > 0) this.noteDropped();
    const lines = this.pending;
    this.pending = [];
    this.pendingBytesCount = 0;
    let i = 0;
    while (i < lines.length) {
      // Take the lines that fit in the current file; a line never straddles two files.
      let room = this.rotation.maxFileBytes - this.size;
      let j = i;
      while (j < lines.length && lines[j]!.bytes <= room) room -= lines[j++]!.bytes;
      if (j === i) {
        if (this.size > 0) {
          await this.rotate();
          continue;
        }
        j = i + 1; // one line longer than a whole file: it still gets a file of its own
      }
      const text = lines
        .slice(i, j)
        .map((l) => l.text)
        .join('');
      this.writtenSeq = lines[j - 1]!.seq;
      i = j;
      // After a failed write the file may end mid-line: a newline first keeps
      // the next line from being glued to that fragment (an empty line is skipped on reading).
      await this.writeWhole(Buffer.from(this.mayBeTorn ? '\n' + text : text));
    }
  }

  /** The whole buffer, however many writes the disk takes for it; this writer is the file's only one. */
  private async writeWhole(chunk: Buffer): Promise<void> {
    let done = 0;
    try {
      while (done < chunk.length) done += (await this.handle.write(chunk, done)).bytesWritten;
      this.mayBeTorn = false;
    } catch (err) {
      // Whatever reached the disk before the error may end mid-line (at worst this costs an empty line).
      this.mayBeTorn = true;
      this.report(err);
    }
    this.size += done;
  }

  /**
   * file.N-1 → file.N … file → file.1, then a fresh file. Each step is a
   * rename, so a crash anywhere leaves every written line whole in exactly one
   * file (at worst a number is skipped, which the next rotation fills).
   */
  private async rotate(): Promise<void> {
    const { keepFiles } = this.rotation;
    try {
      for (let n = keepFiles - 1; n >= 1; n--) {
        await fs.rename(rotatedLogFile(this.file, n), rotatedLogFile(this.file, n + 1)).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err;
        });
      }
      await fs.rename(this.file, rotatedLogFile(this.file, 1));
      const fresh = await fs.open(this.file, 'a');
      const old = this.handle;
      this.handle = fresh;
      await old.close().catch(() => undefined);
    } catch (err) {
      // Keep writing where we can (the old handle, wherever its file now is) and try again a file later.
      this.report(err);
    }
    this.size = 0;
  }

  /** Open every file as it stands after the queued lines are written, oldest first. */
  private snapshot(): Promise<{ files: LogFileSnapshot[]; seq: number }> {
    return this.exclusive(async () => {
      await this.writePending();
      const seq = this.writtenSeq;
      const files: LogFileSnapshot[] = [];
      for (const name of this.files().reverse()) {
        try {
          const handle = await fs.open(name, 'r');
          files.push({ handle, size: (await handle.stat()).size });
        } catch {
          // missing (not rotated that far yet) or unreadable: nothing to show from it
        }
      }
      return { files, seq };
    });
  }

  private report(err: unknown): void {
    if (this.reported) return;
    this.reported = true;
    process.stderr.write(`ferry: command log ${this.file}: ${(err as Error)?.message ?? String(err)} (further errors not shown)\n`);
  }
}
