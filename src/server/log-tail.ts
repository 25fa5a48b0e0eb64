// Reading the last N lines of a rotated command log with bounded memory,
// whatever N (up to the protocol's 100,000) and however long the files. Two
// passes over a snapshot of open files: backwards from the newest file to find
// where the last N valid lines begin (counting, keeping nothing), then
// forwards from there, handing each record on as it is read.

import type { FileHandle } from 'node:fs/promises';
import type { LogRecord } from '../protocol/messages.js';
import { parseLogLine } from './log-record.js';

/** Bytes read per step. */
const BLOCK_BYTES = 64 * 1024;
/**
 * A line longer than this is not one of ours (we write at most 16 KiB) but
 * garbage or a foreign file: skipped without buffering it whole.
 */
const MAX_READ_LINE_BYTES = 256 * 1024;
const NEWLINE = 0x0a;

/** One log file as it was when the snapshot was taken: later appends are not read. */
export interface LogFileSnapshot {
  handle: FileHandle;
  size: number;
}

interface Position {
  file: number;
  offset: number;
}

/** Where the last `limit` valid lines begin; `files` is oldest first. */
export async function tailStart(files: readonly LogFileSnapshot[], limit: number): Promise<Position> {
  let found = 0;
  for (let f = files.length - 1; f >= 0; f--) {
    const { handle, size } = files[f]!;
    let pos = size;
    let carry = Buffer.alloc(0); // the start of a line whose beginning is further back
    let dropping = false; // inside an over-long line: discard up to its start
    const count = (line: Buffer): boolean => {
      if (dropping) dropping = false;
      else if (parseLogLine(line)) found++;
      return found >= limit;
    };
    while (pos > 0) {
      const n = Math.min(BLOCK_BYTES, pos);
      pos -= n;
      const block = Buffer.alloc(n);
      await handle.read(block, 0, n, pos);
      const data = carry.length > 0 ? Buffer.concat([block, carry]) : block;
      let end = data.length;
      for (let i = data.length - 1; i >= 0; i--) {
        if (data[i] !== NEWLINE) continue;
        if (count(data.subarray(i + 1, end))) return { file: f, offset: pos + i + 1 };
        end = i;
      }
      carry = data.subarray(0, end);
      if (carry.length > MAX_READ_LINE_BYTES) {
        carry = Buffer.alloc(0);
        dropping = true;
      }
    }
    if (count(carry)) return { file: f, offset: 0 };
  }
  return { file: 0, offset: 0 };
}

/** Every valid record from `start` to the end of the snapshot, in order; stops early when `signal` aborts. */
export async function readForward(
  files: readonly LogFileSnapshot[],
  start: Position,
  onRecord: (r: LogRecord) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<number> {
  let sent = 0;
  const take = async (line: Buffer) => {
    const r = parseLogLine(line);
    if (!r) return;
    sent++;
    await onRecord(r);
  };
  for (let f = start.file; f < files.length; f++) {
    const { handle, size } = files[f]!;
    let pos = f === start.file ? start.offset : 0;
    let carry = Buffer.alloc(0);
    let dropping = false;
    while (pos < size) {
      if (signal?.aborted) return sent;
      const n = Math.min(BLOCK_BYTES, size - pos);
      const block = Buffer.alloc(n);
      await handle.read(block, 0, n, pos);
      pos += n;
      const data = carry.length > 0 ? Buffer.concat([carry, block]) : block;
      let begin = 0;
      for (let i = 0; i < data.length; i++) {
        if (data[i] !== NEWLINE) continue;
        if (dropping) dropping = false;
        else await take(data.subarray(begin, i));
        begin = i + 1;
      }
      carry = data.subarray(begin);
      if (carry.length > MAX_READ_LINE_BYTES) {
        carry = Buffer.alloc(0);
        dropping = true;
      }
    }
    if (!dropping) await take(carry); // a last line without its newline
  }
  return sent;
}
