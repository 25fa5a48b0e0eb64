// One process's view of the cache index, kept in memory and brought up to
// date cheaply: the index on disk is a snapshot (index.json, index-file.ts)
// plus a journal of the changes since (index.journal, journal.ts).
//
// Why: reading and rewriting the whole index for every lookup and admit made
// a batch of N downloads cost O(N²) (200 small files: 18 s through the cache,
// 1.6 s without). Now a change appends one line under the lock, and a view
// catches up by reading only the lines it has not seen: O(1) a download,
// amortised over the compactions below.
//
// Catching up: a stat of index.json (a new snapshot means a full reload) and
// the journal's first line (its generation must be the view's) say whether
// the view can simply read on from where it stopped. Only complete lines
// (ending in a newline) are applied, so a line being written, or one torn by
// a crash, is never half-applied; under the lock, a torn tail is cut off
// before the next append so that no line is glued to its remains.
//
// Compaction: when the journal holds more change lines than twice the live
// entries (plus a constant), the next change writes a new snapshot instead
// (temp, fsync, rename) naming a new generation, then a new empty journal of
// that generation. Snapshot first: a crash between the two leaves a snapshot
// that already holds everything and a journal of the old generation, which is
// ignored. Each compaction costs O(entries) and follows at least 2×entries
// appends, so appends stay O(1) amortised; every other process reloads once
// per compaction.
//
// Durability: admits, removals and evictions are fdatasync'd before the
// caller goes on (the intent and evicted files are unlinked only after), as
// the whole index was before. A hit's "touch" (last access, hit count, LRU
// order) is appended without a sync: a crash may lose the last few, which
// costs only LRU order and statistics, never an entry.
//
// Anything abnormal (no journal, a journal of another generation, a complete
// line that does not parse, a torn or version 1 snapshot) is reported as a
// `problem`; whoever holds the lock then repairs and compacts (cache.ts).

import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { type FileHandle, open, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { errCode, ioError, tempBase, writeDurable } from './fsutil.js';
import { emptyIndex, type IndexData, type LegacyIndex, parseIndex, parseLegacyIndex, serializeIndex, totalBytes } from './index-file.js';
import { applyChange, type Change, decodeChange, encodeChange, headerLine, parseHeader } from './journal.js';
import type { Layout } from './layout.js';
import type { CrashPoint } from './options.js';

/** Change lines a journal may hold beyond twice the live entries before it is compacted. */
export const JOURNAL_SLACK = 256;

/** Bytes of index (snapshot and journal) this view read and wrote: what the scale test counts. */
export interface IndexIo {
  bytesRead: number;
  bytesWritten: number;
  snapshotsRead: number;
  snapshotsWritten: number;
}

export interface Problem {
  /** index.json exists but does not parse. */
  torn: boolean;
  /** index.json is a version 1 index (data is empty until it is migrated). */
  legacy?: LegacyIndex;
  /** The snapshot has no journal of its generation (new folder, older ferry, compaction cut short). */
  unpaired: boolean;
  /** A complete journal line did not parse: the lines from it on are lost. */
  damaged: boolean;
}

export interface View {
  data: IndexData;
  /** Total bytes of the entries, kept as changes apply. */
  bytes: number;
  problem: Problem | undefined;
}

interface SnapshotId {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

const idOf = (st: Stats): SnapshotId => ({ ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs });
const sameId = (a: SnapshotId | undefined, b: SnapshotId | undefined) =>
  a === b || (a !== undefined && b !== undefined && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs);

export interface StoreOptions {
  pid: number;
  at?: (point: CrashPoint) => Promise<void>;
  /** Compact once the journal holds this many change lines (tests); default 2 × entries + JOURNAL_SLACK. */
  compactAfter?: number;
}

export class IndexStore {
  readonly io: IndexIo = { bytesRead: 0, bytesWritten: 0, snapshotsRead: 0, snapshotsWritten: 0 };
  readonly #layout: Layout;
  readonly #options: StoreOptions;
  #data: IndexData | undefined;
  #bytes = 0;
  #snap: SnapshotId | undefined;
  /** The journal generation the view follows (undefined: none). */
  #gen: string | undefined;
  /** Bytes of the journal applied (always just after a newline). */
  #offset = 0;
  #lines = 0;
  #problem: Problem | undefined;
  /** Refreshes and commits of this view run one at a time. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(layout: Layout, options: StoreOptions) {
    this.#layout = layout;
    this.#options = options;
  }

  /**
   * The index as it is now. With `locked` (the cache lock held), a torn
   * journal tail is cut off, so the next append starts on a line of its own.
   */
  refresh(locked: boolean): Promise<View> {
    return this.#serial(async () => {
      const st = await statQuiet(this.#layout.index);
      const snap = st ? idOf(st) : undefined;
      if (this.#data === undefined || !sameId(snap, this.#snap) || !(await this.#catchUp(locked))) await this.#load(locked);
      return this.#view();
    });
  }

  /** Forget the view: the next refresh reads everything again. */
  invalidate(): void {
    this.#data = undefined;
  }

  /**
   * Record changes (lock held, view just refreshed, no problem). `durable`
   * syncs them to disk before returning.
   */
  commit(changes: Change[], durable: boolean): Promise<void> {
    return this.#serial(async () => {
      const data = this.#data;
      if (!data || this.#gen === undefined || this.#problem) throw new Error('cache index: commit without a fresh view');
      const bound = this.#options.compactAfter ?? 2 * data.entries.size + JOURNAL_SLACK;
      if (this.#lines + changes.length > bound) {
        for (const c of changes) applyChange(data, c);
        await this.#compact(data);
        return;
      }
      const text = Buffer.from(changes.map(encodeChange).join(''));
      let fh: FileHandle | undefined;
      try {
        fh = await open(this.#layout.journal, 'a');
        const at = this.#options.at;
        if (at) {
          // Tests stop here to leave a torn line, as a kill mid-write would.
          const half = text.length >> 1;
          await fh.write(text, 0, half);
          await at('journal:half-written');
          await fh.write(text, half);
        } else {
          await fh.write(text);
        }
        if (durable) await fh.datasync();
      } catch (error) {
        this.invalidate();
        throw ioError(error, 'writing the cache index');
      } finally {
        await fh?.close();
      }
      this.io.bytesWritten += text.length;
      for (const c of changes) this.#bytes += applyChange(data, c);
      this.#offset += text.length;
      this.#lines += changes.length;
    });
  }

  /** Make `data` the whole index: a new snapshot and an empty journal (lock held). */
  replace(data: IndexData): Promise<void> {
    return this.#serial(() => this.#compact(data));
  }

  #view(): View {
    return { data: this.#data ?? emptyIndex(), bytes: this.#bytes, problem: this.#problem };
  }

  async #compact(data: IndexData): Promise<void> {
    const l = this.#layout;
    const gen = randomBytes(8).toString('hex');
    const at = this.#options.at;
    try {
      data.journal = gen;
      const text = serializeIndex(data);
      const temp = (base: string) => path.join(l.root, `${path.basename(base)}.${tempBase(this.#options.pid)}.tmp`);
      await writeDurable(l.index, temp(l.index), text, at ? async () => at('index:temp-written') : undefined);
      const header = headerLine(gen);
      await writeDurable(l.journal, temp(l.journal), header);
      const st = await statQuiet(l.index);
      this.io.bytesWritten += Buffer.byteLength(text) + header.length;
      this.io.snapshotsWritten += 1;
      this.#data = data;
      this.#bytes = totalBytes(data);
      this.#snap = st ? idOf(st) : undefined;
      this.#gen = gen;
      this.#offset = header.length;
      this.#lines = 0;
      this.#problem = undefined;
    } catch (error) {
      this.invalidate();
      throw error;
    }
  }

  /** Read the journal on from where the view stopped; false when it is not the view's journal any more. */
  async #catchUp(locked: boolean): Promise<boolean> {
    if (this.#gen === undefined) return this.#problem !== undefined && !locked; // nothing to follow; locked: look again
    let fh: FileHandle;
    try {
      fh = await open(this.#layout.journal, locked ? 'r+' : 'r');
    } catch (error) {
      if (errCode(error) === 'ENOENT') return false;
      throw ioError(error, 'reading the cache index');
    }
    try {
      const header = Buffer.from(headerLine(this.#gen));
      const size = (await fh.stat()).size;
      if (size < this.#offset) return false;
      const head = Buffer.alloc(header.length);
      const { bytesRead } = await fh.read(head, 0, head.length, 0);
      this.io.bytesRead += bytesRead;
      if (bytesRead !== header.length || !head.equals(header)) return false;
      if (size === this.#offset) return true;
      const tail = Buffer.alloc(size - this.#offset);
      const got = (await fh.read(tail, 0, tail.length, this.#offset)).bytesRead;
      this.io.bytesRead += got;
      const torn = this.#replay(tail.subarray(0, got));
      if (torn && locked && !this.#problem) await fh.truncate(this.#offset);
      return true;
    } finally {
      await fh.close();
    }
  }

  /** Apply the complete lines of buf (journal bytes from #offset on); true when a partial line is left. */
  #replay(buf: Buffer): boolean {
    const data = this.#data!;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, start);
      if (nl < 0) return start < buf.length;
      const change = decodeChange(buf.toString('utf8', start, nl));
      if (!change) {
        this.#problem = { torn: false, unpaired: false, damaged: true };
        return false;
      }
      this.#bytes += applyChange(data, change);
      this.#lines += 1;
      this.#offset += nl + 1 - start;
      start = nl + 1;
    }
  }

  /** Read snapshot and journal whole. Without the lock a compaction may run meanwhile: try again. */
  async #load(locked: boolean): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const last = locked || attempt >= 3;
      if ((await this.#loadOnce(locked)) || last) return;
    }
  }

  /** False when the snapshot names a journal that is not there (yet, or any more). */
  async #loadOnce(locked: boolean): Promise<boolean> {
    const l = this.#layout;
    const snapshot = await readWhole(l.index);
    this.#snap = snapshot?.id;
    this.#problem = undefined;
    this.#gen = undefined;
    this.#offset = 0;
    this.#lines = 0;
    let data = emptyIndex();
    if (snapshot) {
      this.io.bytesRead += snapshot.bytes.length;
      this.io.snapshotsRead += 1;
      const text = snapshot.bytes.toString('utf8');
      const parsed = parseIndex(text);
      if (parsed) data = parsed;
      else {
        const legacy = parseLegacyIndex(text);
        this.#problem = legacy ? { torn: false, legacy, unpaired: true, damaged: false } : { torn: true, unpaired: true, damaged: false };
      }
    }
    this.#data = data;
    this.#bytes = totalBytes(data);
    if (this.#problem) return true;
    const journal = data.journal === undefined ? undefined : await readWhole(l.journal);
    if (journal) this.io.bytesRead += journal.bytes.length;
    const nl = journal ? journal.bytes.indexOf(0x0a) : -1;
    const gen = journal && nl >= 0 ? parseHeader(journal.bytes.toString('utf8', 0, nl)) : undefined;
    if (gen === undefined || gen !== data.journal) {
      this.#problem = { torn: false, unpaired: true, damaged: false };
      return data.journal === undefined; // a snapshot without a journal is complete as it is
    }
    this.#gen = gen;
    this.#offset = nl + 1;
    const torn = this.#replay(journal!.bytes.subarray(nl + 1));
    if (torn && locked && !this.#problem) await truncate(l.journal, this.#offset);
    return true;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

async function statQuiet(p: string): Promise<Stats | undefined> {
  try {
    return await stat(p);
  } catch (error) {
    if (errCode(error) === 'ENOENT') return undefined;
    throw ioError(error, 'reading the cache index');
  }
}

/** A file's bytes and identity, read through one descriptor (so the two agree). */
async function readWhole(p: string): Promise<{ bytes: Buffer; id: SnapshotId } | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(p, 'r');
  } catch (error) {
    if (errCode(error) === 'ENOENT') return undefined;
    throw ioError(error, 'reading the cache index');
  }
  try {
    const st = await fh.stat();
    return { bytes: await fh.readFile(), id: idOf(st) };
  } finally {
    await fh.close();
  }
}
