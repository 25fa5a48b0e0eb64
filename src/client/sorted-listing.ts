// A listing put into the listing order (listing-order.ts) with bounded memory.
//
// The server streams in directory order, and no order it could produce
// cheaply is ours: a folder's entries come slice by slice, with the
// sub-folders of each slice walked in between. Sorting therefore needs every
// entry, and a share of millions of entries cannot be held. So this is an
// external merge sort: entries gather in a run of at most `runEntries`; a full
// run is sorted and written to a temp file as JSON lines; at the end the
// runs are merged, at most `fanIn` files open at once (more runs are merged
// into fewer first), the last run straight from memory. A listing that fits
// one run never touches disk.
//
// Held at once: one run, and while merging one line (LINE_ENTRIES entries)
// and one read buffer per open run. Temp files live in a private folder
// (mkdtemp: mode 0700) under the system's temp folder, removed by dispose().
// The price of flat memory is CPU: each spilled entry is written and parsed
// once more (about 0.5 s of CPU for 200,000 entries here).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { compareKeys, type FolderKey, type ListingKey, listingKey, sortListing } from './listing-order.js';
import type { Entry } from './types.js';

export interface SortLimits {
  /** Entries held before a sorted run goes to disk. */
  runEntries: number;
  /** Run files read at once while merging. */
  fanIn: number;
  /** Bytes read from a run file at a time while merging. */
  readBytes: number;
  /** Where the private temp folder is made [default: os.tmpdir()]. */
  tmpdir?: string;
}

/** ~16 k entries are a few MB in memory: a 200,000-entry listing writes 12 runs and merges the 13th from memory. */
export const DEFAULT_SORT_LIMITS: SortLimits = { runEntries: 16_384, fanIn: 32, readBytes: 64 * 1024 };

/** Entries a line of a run file. */
export const LINE_ENTRIES = 64;

/** Entries handed out per batch by sorted(). */
const OUT_BATCH = 256;

export class SortedListing {
  private run: Entry[] = [];
  private runs: string[] = [];
  private folder: string | undefined;
  private made = 0;
  private openRuns = 0;
  private merging = 0;
  /** The most entries held at once: the run, and the lines being merged. */
  peakHeld = 0;
  /** The most run files open at once. */
  peakOpen = 0;
  /** Runs written to disk so far. */
  spilled = 0;
  private readonly limits: SortLimits;

  constructor(limits: Partial<SortLimits> = {}) {
    this.limits = { ...DEFAULT_SORT_LIMITS, ...limits };
    if (this.limits.runEntries < 1 || this.limits.fanIn < 2) throw new RangeError('a run holds at least 1 entry and a merge reads at least 2 runs');
  }

  /**
   * Take a batch. A full run is written synchronously, on purpose: listing
   * batches arrive through a synchronous callback, and blocking here stops the
   * socket being read meanwhile, so TCP's flow control holds the server back
   * instead of entries piling up in memory.
   */
  add(batch: readonly Entry[]): void {
    for (const e of batch) {
      if (this.run.length >= this.limits.runEntries) this.spill();
      this.run.push(e);
      this.held(this.run.length);
    }
  }

  /** Every entry added, in the listing order, a batch at a time. Call once, after the last add(). */
  async *sorted(): AsyncGenerator<Entry[]> {
    if (this.runs.length === 0) {
      const all = sortListing(this.run);
      this.run = [];
      for (let i = 0; i < all.length; i += OUT_BATCH) yield all.slice(i, i + OUT_BATCH);
      return;
    }
    while (this.runs.length >= this.limits.fanIn) {
      const group = this.runs.splice(0, this.limits.fanIn);
      const file = this.nextFile();
      const out = await fs.promises.open(file, 'wx', 0o600);
      try {
        for await (const batch of this.merge(group)) await out.write(lines(batch));
      } finally {
        await out.close();
      }
      this.runs.push(file);
    }
    // The last run never goes to disk: it is merged from memory.
    const last = sortListing(this.run);
    this.run = [];
    yield* this.merge(this.runs.splice(0), last);
  }

  /** Remove the temp files (safe to call more than once, and without sorted()). */
  async dispose(): Promise<void> {
    this.run = [];
    const folder = this.folder;
    this.folder = undefined;
    if (folder) await fs.promises.rm(folder, { recursive: true, force: true });
  }

  private held(n: number): void {
    if (n + this.merging > this.peakHeld) this.peakHeld = n + this.merging;
  }

  private nextFile(): string {
    this.folder ??= fs.mkdtempSync(path.join(this.limits.tmpdir ?? os.tmpdir(), 'ferry-listing-'));
    return path.join(this.folder, `run-${this.made++}`);
  }

  private spill(): void {
    const file = this.nextFile();
    fs.writeFileSync(file, lines(sortListing(this.run)), { flag: 'wx', mode: 0o600 });
    this.run = [];
    this.runs.push(file);
    this.spilled++;
  }

  /** Merge sorted run files (each removed once read) into one sorted stream. */
  private async *merge(files: string[], held: Entry[] = []): AsyncGenerator<Entry[]> {
    const runs = files.map((f) => new RunReader(f, this.limits.readBytes, (delta) => this.opened(delta)));
    if (held.length > 0) runs.push(new RunReader(held));
    const count = () => {
      this.merging = runs.reduce((sum, r) => sum + r.buffered, 0);
      this.held(this.run.length);
    };
    try {
      for (const r of runs) await r.fill();
      count();
      let out: Entry[] = [];
      for (;;) {
        let min: RunReader | undefined;
        for (const r of runs) if (r.key && (!min || compareKeys(r.key, min.key!) < 0)) min = r;
        if (!min) break;
        out.push(min.take());
        if (!min.key) {
          await min.fill();
          count();
        }
        if (out.length >= OUT_BATCH) {
          yield out;
          out = [];
        }
      }
      if (out.length > 0) yield out;
    } finally {
      this.merging = 0;
      for (const r of runs) await r.close();
      for (const f of files) await fs.promises.rm(f, { force: true });
    }
  }

  private opened(delta: number): void {
    this.openRuns += delta;
    if (this.openRuns > this.peakOpen) this.peakOpen = this.openRuns;
  }
}

/**
 * A run's text: a JSON array of up to LINE_ENTRIES entries a line. One
 * stringify and one parse per line, not per entry: about half the CPU.
 */
function lines(entries: readonly Entry[]): string {
  let text = '';
  for (let i = 0; i < entries.length; i += LINE_ENTRIES) text += `${JSON.stringify(entries.slice(i, i + LINE_ENTRIES))}\n`;
  return text;
}

/**
 * One run file read a buffer at a time, its entries handed out in order with
 * their keys; or, given entries, a run still in memory.
 */
class RunReader {
  private handle: fs.promises.FileHandle | undefined;
  private buffer: Buffer | undefined;
  private entries: Entry[] = [];
  private next = 0;
  private rest = '';
  private done = false;
  private readonly decoder = new StringDecoder('utf8');
  /** The FolderKeys of the folders in the current buffer (a run holds a folder's entries together). */
  private folders = new Map<string, FolderKey>();
  /** The key of the entry take() hands out next; undefined when the buffer is spent. */
  key: ListingKey | undefined;

  private readonly file: string | undefined;
  private readonly readBytes: number;
  private readonly opened: (delta: number) => void;

  constructor(source: string | Entry[], readBytes = 0, opened: (delta: number) => void = () => {}) {
    this.readBytes = readBytes;
    this.opened = opened;
    if (typeof source === 'string') this.file = source;
    else {
      this.entries = source;
      this.done = true;
    }
  }

  get buffered(): number {
    return this.entries.length - this.next;
  }

  take(): Entry {
    const e = this.entries[this.next++]!;
    const head = this.entries[this.next];
    this.key = head && listingKey(head, this.folders);
    return e;
  }

  /** Read the next buffer's entries (call when `key` is undefined); none at the end. */
  async fill(): Promise<void> {
    if (this.file === undefined) {
      // In memory: the first call starts it, a later one finds it spent.
      if (this.next > 0) this.entries = [];
    } else {
      this.entries = [];
    }
    this.next = 0;
    this.folders.clear();
    while (this.entries.length === 0 && !this.done && this.file !== undefined) {
      if (!this.handle) {
        this.handle = await fs.promises.open(this.file, 'r');
        this.opened(1);
      }
      this.buffer ??= Buffer.allocUnsafe(this.readBytes);
      const { bytesRead } = await this.handle.read(this.buffer, 0, this.readBytes, null);
      if (bytesRead === 0) {
        this.done = true;
        await this.close();
        break;
      }
      const text = this.rest + this.decoder.write(this.buffer.subarray(0, bytesRead));
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        for (const e of JSON.parse(text.slice(start, nl)) as Entry[]) this.entries.push(e);
        start = nl + 1;
      }
      this.rest = text.slice(start);
    }
    const head = this.entries[0];
    this.key = head && listingKey(head, this.folders);
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (handle) {
      this.opened(-1);
      await handle.close();
    }
  }
}
