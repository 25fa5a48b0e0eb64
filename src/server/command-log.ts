// The server's command log: one JSON line per executed command, appended in
// order. Logging must never slow or break a request, so append() only queues
// the line and a single writer drains the queue; a failing disk is reported
// once on stderr and otherwise ignored. `logs` reads the tail from the end of
// the file, so a log that has grown for months costs the same to show.

import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { LogRecord } from '../protocol/messages.js';

/** Bytes read per step when scanning backwards. */
const TAIL_BLOCK_BYTES = 64 * 1024;
/** A line longer than this is not one of ours (or is torn garbage): skipped without buffering it whole. */
const MAX_LINE_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

function isLogRecord(v: unknown): v is LogRecord {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.time === 'string' &&
    typeof r.client === 'string' &&
    typeof r.command === 'string' &&
    typeof r.args === 'object' &&
    r.args !== null &&
    typeof r.outcome === 'string' &&
    typeof r.bytes === 'number' &&
    typeof r.ms === 'number' &&
    (r.message === undefined || typeof r.message === 'string')
  );
}

function parseLine(line: Buffer): LogRecord | undefined {
  if (line.length === 0) return undefined;
  try {
    const v: unknown = JSON.parse(line.toString('utf8'));
    return isLogRecord(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export class CommandLog {
  readonly file: string;
  private readonly handle: FileHandle;
  private pending: string[] = [];
  private writing: Promise<void> | undefined;
  private readonly listeners = new Set<(r: LogRecord) => void>();
  private reported = false;
  private closed = false;

  private constructor(file: string, handle: FileHandle) {
    this.file = file;
    this.handle = handle;
  }

  static async open(file: string): Promise<CommandLog> {
    const abs = path.resolve(file);
    await fs.mkdir(path.dirname(abs), { recursive: true });
    const handle = await fs.open(abs, 'a+');
    try {
      // A crash mid-write can leave a last line without its newline; end it so the
      // next record starts on a line of its own instead of being glued to garbage.
      const { size } = await handle.stat();
      if (size > 0) {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        if (last[0] !== NEWLINE) await handle.write('\n');
      }
    } catch (err) {
      await handle.close();
      throw err;
    }
    return new CommandLog(abs, handle);
  }

  /** Queue one record; returns at once. Subscribers hear about it immediately. */
  append(record: LogRecord): void {
    if (this.closed) return;
    let line: string;
    try {
      line = JSON.stringify(record) + '\n';
    } catch (err) {
      this.report(err);
      return;
    }
    this.pending.push(line);
    this.kick();
    for (const listener of this.listeners) {
      try {
        listener(record);
      } catch (err) {
        this.report(err); // one bad follower must not stop the others or the request
      }
    }
  }

  /** The last `limit` valid records, oldest first. Invalid or torn lines are skipped. */
  async tail(limit: number): Promise<LogRecord[]> {
    if (!(limit > 0)) return [];
    await this.flushed();
    let fh: FileHandle;
    try {
      fh = await fs.open(this.file, 'r');
    } catch {
      return [];
    }
    const newest: LogRecord[] = []; // filled newest first
    try {
      let pos = (await fh.stat()).size;
      let carry = Buffer.alloc(0); // start of a line whose beginning is further back
      let dropping = false; // inside an over-long line: discard up to its start
      const take = (line: Buffer) => {
        if (dropping) dropping = false;
        else {
          const r = parseLine(line);
          if (r) newest.push(r);
        }
      };
      while (pos > 0 && newest.length < limit) {
        const n = Math.min(TAIL_BLOCK_BYTES, pos);
        pos -= n;
        const block = Buffer.alloc(n);
        await fh.read(block, 0, n, pos);
        const data = carry.length > 0 ? Buffer.concat([block, carry]) : block;
        let end = data.length;
        for (let i = data.length - 1; i >= 0 && newest.length < limit; i--) {
          if (data[i] !== NEWLINE) continue;
          take(data.subarray(i + 1, end));
          end = i;
        }
        carry = data.subarray(0, end);
        if (carry.length > MAX_LINE_BYTES) {
          carry = Buffer.alloc(0);
          dropping = true;
        }
      }
      if (pos === 0 && newest.length < limit) take(carry);
    } finally {
      await fh.close();
    }
    return newest.reverse();
  }

  /** Hear every record appended from now on; call the returned function to stop. */
  subscribe(listener: (r: LogRecord) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Write everything queued, then close the file. Later appends are ignored. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    await this.flushed();
    await this.handle.close().catch(() => undefined);
  }

  private async flushed(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private kick(): void {
    if (this.writing) return;
    this.writing = this.drain().finally(() => {
      this.writing = undefined;
      // Lines queued between the drain's last check and now would otherwise wait for the next append.
      if (this.pending.length > 0) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      // Everything queued goes out in one write: O_APPEND keeps it whole and in order.
      const chunk = this.pending.join('');
      this.pending = [];
      try {
        await this.handle.write(chunk);
      } catch (err) {
        this.report(err);
      }
    }
  }

  private report(err: unknown): void {
    if (this.reported) return;
    this.reported = true;
    process.stderr.write(`ferry: command log ${this.file}: ${(err as Error)?.message ?? String(err)} (further errors not shown)\n`);
  }
}
