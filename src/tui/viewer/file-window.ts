// The viewer's view of a file it never holds: aligned blocks read on demand
// (a few kept), and line navigation built on them. Going to the end of a 10 GB
// log reads the last block or two and searches backwards for line starts;
// nothing in the middle is read unless the user scrolls or searches there.

import type { ReadResult } from '../../client/types.js';

/** Bytes per read: one block, aligned, so neighbouring views share reads. */
export const BLOCK_BYTES = 64 * 1024;
/** Blocks kept (most recently used): 512 KiB, a few screens either way. */
const KEEP_BLOCKS = 8;
/** A line longer than this is shown as several rows, cut here. */
export const MAX_LINE_BYTES = 8 * 1024;
/** A NUL in this many leading bytes makes the file binary (shown in hex), as the keyword search decides. */
const SNIFF_BYTES = 8 * 1024;
const NL = 0x0a;

export type ReadFn = (offset: number, count: number, signal?: AbortSignal) => Promise<ReadResult>;

/** One row of text: where it starts and its bytes (without the newline). */
export interface TextRow {
  offset: number;
  bytes: Buffer;
}

export class FileWindow {
  private readonly blocks = new Map<number, Buffer>();
  /** Bytes asked of the side so far (what a test of "never the middle" counts). */
  bytesRead = 0;
  /** Reads made so far. */
  reads = 0;

  constructor(
    private readonly read: ReadFn,
    /** The size as listed; every read updates it. */
    public size: number,
  ) {}

  /** Bytes [offset, offset + count), clipped to the file, from cached blocks or one read per missing block. */
  async bytes(offset: number, count: number, signal?: AbortSignal): Promise<Buffer> {
    const end = Math.min(this.size, offset + count);
    if (offset >= end) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    for (let b = Math.floor(offset / BLOCK_BYTES) * BLOCK_BYTES; b < end; b += BLOCK_BYTES) {
      const block = await this.block(b, signal);
      parts.push(block.subarray(Math.max(0, offset - b), Math.max(0, Math.min(block.length, end - b))));
      if (block.length < BLOCK_BYTES) break; // the file ended (or shrank) inside this block
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  private async block(at: number, signal?: AbortSignal): Promise<Buffer> {
    const kept = this.blocks.get(at);
    if (kept) {
      // Most recently used last.
      this.blocks.delete(at);
      this.blocks.set(at, kept);
      return kept;
    }
    const r = await this.read(at, BLOCK_BYTES, signal);
    this.reads++;
    this.bytesRead += r.bytes.length;
    this.size = r.size;
    this.blocks.set(at, r.bytes);
    while (this.blocks.size > KEEP_BLOCKS) this.blocks.delete(this.blocks.keys().next().value!);
    return r.bytes;
  }

  /** Forget every block (the file changed): the next view reads afresh. */
  drop(): void {
    this.blocks.clear();
  }

  /** Read the first block whatever the listed size (the file may have grown since): binary if a NUL is in its first 8 KiB. */
  async isBinary(): Promise<boolean> {
    return (await this.block(0)).subarray(0, SNIFF_BYTES).includes(0);
  }

  /** The last newline before `pos`, looking back at most `limit` bytes; -1 when none. */
  private async newlineBefore(pos: number, limit: number): Promise<number> {
    const floor = Math.max(0, pos - limit);
    let end = pos;
    while (end > floor) {
      const start = Math.max(floor, Math.floor((end - 1) / BLOCK_BYTES) * BLOCK_BYTES);
      const buf = await this.bytes(start, end - start);
      const k = buf.lastIndexOf(NL);
      if (k >= 0) return start + k;
      end = start;
    }
    return -1;
  }

  /** The first newline at or after `pos`, looking at most `limit` bytes ahead; -1 when none. */
  private async newlineFrom(pos: number, limit: number): Promise<number> {
    const ceiling = Math.min(this.size, pos + limit);
    let start = pos;
    while (start < ceiling) {
      const end = Math.min(ceiling, (Math.floor(start / BLOCK_BYTES) + 1) * BLOCK_BYTES);
      const buf = await this.bytes(start, end - start);
      if (buf.length === 0) return -1;
      const k = buf.indexOf(NL);
      if (k >= 0) return start + k;
      start += buf.length;
    }
    return -1;
  }

  /** Where the row holding byte `pos` starts (a long line counts in MAX_LINE_BYTES rows from its start). */
  async rowStart(pos: number): Promise<number> {
    const k = await this.newlineBefore(pos, MAX_LINE_BYTES);
    if (k >= 0) return k + 1;
    return Math.max(0, pos - MAX_LINE_BYTES);
  }

  /** `n` rows above the row starting at `top`: the new top and how many rows it moved. */
  async up(top: number, n: number): Promise<{ top: number; moved: number }> {
    let s = top;
    let moved = 0;
    while (moved < n && s > 0) {
      // Byte s-1 ends the row above; its start is after the newline before that.
      s = s - 1 > 0 ? await this.rowStart(s - 1) : 0;
      moved++;
    }
    return { top: s, moved };
  }

  /** `n` rows below `top`, stopping where the last screenful starts (`rows` rows high). */
  async down(top: number, n: number, rows: number): Promise<{ top: number; moved: number }> {
    // A row is at most MAX_LINE_BYTES + 1 bytes: far from the end, no clamp is possible,
    // and the end is not read at all.
    const nearEnd = top + (n + rows) * (MAX_LINE_BYTES + 1) > this.size;
    const last = nearEnd ? await this.endTop(rows) : Number.POSITIVE_INFINITY;
    let s = top;
    let moved = 0;
    while (moved < n && s < last) {
      const k = await this.newlineFrom(s, MAX_LINE_BYTES);
      s = k >= 0 ? k + 1 : Math.min(this.size, s + MAX_LINE_BYTES);
      moved++;
    }
    return { top: Math.min(s, Math.max(last, top)), moved };
  }

  /** The top of the last screenful: `rows` rows up from the end (a final newline ends the last row). */
  async endTop(rows: number): Promise<number> {
    return (await this.up(this.size, rows)).top;
  }

  /** Rows from `top`, at most `rows` of them, each without its newline. */
  async textRows(top: number, rows: number): Promise<TextRow[]> {
    const out: TextRow[] = [];
    let s = top;
    while (out.length < rows && s < this.size) {
      const k = await this.newlineFrom(s, MAX_LINE_BYTES);
      const end = k >= 0 ? k : Math.min(this.size, s + MAX_LINE_BYTES);
      out.push({ offset: s, bytes: await this.bytes(s, end - s) });
      s = k >= 0 ? k + 1 : end;
    }
    return out;
  }

  /** Newlines in [0, pos): the line number of a row, when that is cheap (a file of at most `limit` bytes). */
  async lineNumber(pos: number, limit: number): Promise<number | null> {
    if (this.size > limit) return null;
    const buf = await this.bytes(0, pos);
    let n = 0;
    for (let i = buf.indexOf(NL); i >= 0; i = buf.indexOf(NL, i + 1)) n++;
    return n;
  }

  /**
   * The next match of `query` after `from` (forward) or before it (backward),
   * read a block at a time; null when there is none. Case-insensitive unless
   * the query has a capital (as the name and keyword filters), folding ASCII.
   * Aborting `signal` stops it (it rejects).
   */
  async find(query: string, from: number, forward: boolean, signal?: AbortSignal): Promise<number | null> {
    const exact = /\p{Lu}/u.test(query);
    const needle = exact ? Buffer.from(query) : foldAscii(Buffer.from(query.toLowerCase()));
    if (needle.length === 0) return null;
    const overlap = needle.length - 1;
    if (forward) {
      for (let start = Math.max(0, from); start < this.size; ) {
        signal?.throwIfAborted();
        const end = Math.min(this.size, (Math.floor(start / BLOCK_BYTES) + 1) * BLOCK_BYTES);
        const buf = await this.bytes(start, end - start + overlap, signal);
        const hay = exact ? buf : foldAscii(Buffer.from(buf));
        const k = hay.indexOf(needle);
        if (k >= 0) return start + k;
        if (end >= this.size) return null;
        start = end;
      }
      return null;
    }
    for (let end = Math.min(this.size, from); end > 0; ) {
      signal?.throwIfAborted();
      const start = Math.floor((end - 1) / BLOCK_BYTES) * BLOCK_BYTES;
      const buf = await this.bytes(start, Math.min(this.size, end + overlap) - start, signal);
      const hay = exact ? buf : foldAscii(Buffer.from(buf));
      // A match must start before `end`.
      const k = hay.lastIndexOf(needle, end - start - 1);
      if (k >= 0) return start + k;
      end = start;
    }
    return null;
  }
}

/** A-Z to a-z in place; other bytes (UTF-8 included) unchanged, so offsets stay true. */
function foldAscii(buf: Buffer): Buffer {
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (c >= 0x41 && c <= 0x5a) buf[i] = c + 0x20;
  }
  return buf;
}
