// The one landing place for downloaded bytes. TCP and UDP only feed it
// pieces at byte positions; it owns the .part file: positional writes
// (batched, writer.ts), write-behind flushing, the check of every chunk
// against the server's BLAKE3 chunk list (protocol/chunk-hash.ts), the record
// of verified chunks beside the .part (record.ts), resume, and the final
// fsync. A file is complete only when every chunk matched; a chunk that did
// not is simply missing again and is fetched again, over either transport.
//
//   const landing = await Landing.open(target, remote);   // reads the record
//   request(landing.guess())                              // ranges probably missing
//   await landing.begin(list)                             // the server's chunk list
//   landing.add(position, bytes) ...                      // as they arrive
//   await landing.settle(); landing.missing()             // fetch again what is left
//   await landing.finish()                                // durable; or abandon()
//
// Which chunk is verified, and what a verdict means, is chunk-ledger.ts; this
// file does the I/O: a chunk whose pieces came out of order is read back from
// the file once it is all written, and an earlier attempt's chunks are read
// back and checked before they are kept.

import type { FileHandle } from 'node:fs/promises';
import { unlink } from 'node:fs/promises';
import { chunkCountOf, MIN_CHUNK_BYTES } from '../../protocol/chunk-hash.js';
import { ErrorCode, FerryError } from '../../protocol/errors.js';
import type { FileIdentity } from '../../protocol/messages.js';
import { FlushBehind } from '../flush-behind.js';
import { openPart } from '../part-file.js';
import { type Arriving, ChunkLedger, chunksToBytes } from './chunk-ledger.js';
import { alignedMemory, directable, openDirect, PAGE_BYTES, wholePages } from './direct-io.js';
import { type LandingRecord, readRecord, removeRecord, runsOf, sameRemote, writeRecord } from './record.js';
import { type Piece, PositionalWriter } from './writer.js';

export interface LandingTarget {
  part: string;
  sidecar: string;
  /** The file is read again as soon as it lands (copied out of the cache, say): write it through the page cache, never with O_DIRECT. */
  readSoon?: boolean;
}

/** The remote file being landed, as the client's stat saw it. */
export interface RemoteFile {
  server: string;
  path: string;
  size: number;
  identity: FileIdentity;
}

/** The server's chunk hashes for the file (a download's first ITEM). */
export interface ChunkList {
  blake3: string;
  chunkBytes: number;
  chunks: Buffer;
}

/** Bytes read at once when checking the chunks an earlier attempt left. */
const KEEP_BLOCK_BYTES = 8 * 1024 * 1024;
/**
 * Reads of kept chunks in flight at once. Two kept the disk busy; more
 * gained little here, and would hold more of libuv's four threads that the
 * transfer's writes and flushes need meanwhile.
 */
const KEEP_READS = 2;
export { MAX_CHUNK_FAILURES } from './chunk-ledger.js';
/** How often the record of verified chunks is saved while bytes arrive. */
const RECORD_INTERVAL_MS = 1000;
/** Files at least this large are written with O_DIRECT where they can be (direct-io.ts); smaller ones are not worth a second open. */
const DIRECT_MIN_BYTES = 8 * 1024 * 1024;

export class Landing {
  /** True when a .part from an earlier attempt was for another version of the file. */
  restarted: boolean;
  private ledger: ChunkLedger | undefined;
  private readonly writer: PositionalWriter;
  private readonly flushing: FlushBehind;
  private flushQueued = false;
  /** Bytes written through the page cache (O_DIRECT ones need no flushing behind). */
  private bufferedBytes = 0;
  private readingBack = 0;
  private readonly checks = new Set<Promise<void>>();
  /**
   * Resolves once bytes may land: at once when resuming (the record is on
   * disk already, and the chunks being checked are not the ones asked for),
   * after the record is written for a new attempt. Senders over either
   * transport wait only for this, not for the kept chunks to be checked:
   * reading those back is disk work (O_DIRECT, the bytes are not in the page
   * cache), and holding the stream for it made a resume of half a file cost
   * nearly as much as the whole. A kept chunk that fails its check is simply
   * missing afterwards and fetched then.
   */
  ready: Promise<void> = Promise.resolve();
  private failure: FerryError | undefined;
  private lastSaved = 0;
  private saving: Promise<void> = Promise.resolve();
  private closed = false;
  private finished = false;
  private hadRecord = false;
  /** The .part opened again with O_DIRECT, for whole pages (see writer.ts). */
  private direct: FileHandle | undefined;
  /** Called when the backlog of unwritten bytes shrinks (for backpressure). */
  onDrain: (() => void) | undefined;
  /** Called with each piece of memory add() was given once the landing no longer holds it (to recycle frame buffers). */
  onRelease: ((data: Buffer) => void) | undefined;

  private constructor(
    private readonly target: LandingTarget,
    private readonly remote: RemoteFile,
    private readonly handle: FileHandle,
    private readonly candidate: LandingRecord | undefined,
    /** Bytes in the .part when it was reopened: a killed client's record may lag behind them. */
    private readonly partBytes: number,
    staleRecord: boolean,
  ) {
    this.restarted = staleRecord;
    this.writer = new PositionalWriter(
      handle,
      (run, direct) => this.onWritten(run, direct),
      (err) => this.fail(describeWriteError(err)),
    );
    this.flushing = new FlushBehind(handle);
  }

  /** Open the .part (resuming it when its record matches this remote file) and read the record. */
  static async open(target: LandingTarget, remote: RemoteFile): Promise<Landing> {
    // A file of one chunk never has a record (see saveRecord): no read for it.
    const record = remote.size <= MIN_CHUNK_BYTES ? undefined : await readRecord(target.sidecar);
    const matches = record !== undefined && sameRemote(record, remote);
    const opened = await openPart(target.part, matches);
    const candidate = matches && opened.resumed ? record : undefined; // otherwise the .part was created empty
    const partBytes = candidate ? (await opened.handle.stat()).size : 0;
    const landing = new Landing(target, remote, opened.handle, candidate, partBytes, record !== undefined && !sameRemote(record, remote));
    landing.hadRecord = record !== undefined;
    if (remote.size >= DIRECT_MIN_BYTES && !target.readSoon) landing.direct = await openDirect(opened.handle);
    landing.writer.direct = landing.direct;
    return landing;
  }

  /**
   * Byte ranges to ask for before the server's chunk list is known: all but
   * what the record says is verified. begin() checks that claim; whatever it
   * does not confirm shows up in missing() afterwards.
   */
  guess(): [number, number][] {
    const size = this.remote.size;
    const c = this.candidate;
    if (!c) return size > 0 ? [[0, size]] : [];
    return chunksToBytes(runsOf(this.claimed(c), 0), size, c.chunkBytes);
  }

  /**
   * Chunks an earlier attempt may have left: those its record names, and every
   * whole chunk within the .part's size (the record is saved about once a
   * second, so a client killed meanwhile wrote more than it recorded).
   */
  private claimed(c: LandingRecord): Uint8Array {
    const held = new Uint8Array(chunkCountOf(this.remote.size, c.chunkBytes));
    for (const [a, b] of c.verified) held.fill(1, Math.max(0, a), Math.min(held.length, b));
    const whole = this.partBytes >= this.remote.size ? held.length : Math.floor(this.partBytes / c.chunkBytes);
    held.fill(1, 0, Math.min(held.length, whole));
    return held;
  }

  /** Take the server's chunk list, and keep the chunks from an earlier attempt that still match it. */
  begin(list: ChunkList): void {
    const ledger = new ChunkLedger(this.remote.path, this.remote.size, list);
    this.ledger = ledger;
    const c = this.candidate;
    if (c && c.blake3 === list.blake3 && c.chunkBytes === list.chunkBytes) {
      this.track(this.keep(ledger, c));
    } else {
      // Same identity, other content: the file was rewritten in place. Every
      // chunk is written again; finish() cuts the file to its size.
      if (c) this.restarted = true;
      // The record is on disk before any byte lands (senders wait for `ready`):
      // a client killed at any point after leaves a .part it can resume.
      this.ready = this.saveRecord().catch(() => {});
    }
  }

  /** Nothing is kept on the record's word: every chunk it claims is read back and checked. */
  private async keep(ledger: ChunkLedger, c: LandingRecord): Promise<void> {
    const chunkBytes = c.chunkBytes;
    // Read in blocks of several chunks, KEEP_READS of them in flight: one
    // read at a time left the disk idle between them (256 MiB read back in
    // 0.5-0.8 s here; two or more in flight, 0.27-0.33 s).
    const per = Math.max(1, Math.floor(KEEP_BLOCK_BYTES / chunkBytes));
    const blocks: [number, number][] = [];
    for (const [a, b] of runsOf(this.claimed(c))) for (let s = a; s < b; s += per) blocks.push([s, Math.min(b, s + per)]);
    ledger.checking(blocks.flatMap(([a, b]) => Array.from({ length: b - a }, (_, k) => a + k)));
    const blockBytes = wholePages(Math.min(per * chunkBytes, this.remote.size));
    const lanes = Math.min(KEEP_READS, blocks.length);
    // Page-aligned memory where the .part can be read with O_DIRECT (see read()).
    const memory = this.direct && lanes > 0 ? alignedMemory(lanes * blockBytes) : undefined;
    let next = 0;
    const lane = async (k: number) => {
      const buffer = memory ? Buffer.from(memory, k * blockBytes, blockBytes) : Buffer.allocUnsafe(blockBytes);
      while (next < blocks.length && !this.failure) {
        const [a, b] = blocks[next++]!;
        const bytes = await this.read(a * chunkBytes, b * chunkBytes, buffer);
        for (let i = a; i < b; i++) {
          const at = (i - a) * chunkBytes;
          const length = ledger.lengthOf(i);
          ledger.kept(i, bytes.length >= at + length && ledger.matches(i, bytes.subarray(at, at + length)));
        }
      }
    };
    await Promise.all(Array.from({ length: lanes }, (_, k) => lane(k)));
    await this.saveRecord();
  }

  /** The .part's bytes [start, end) into `buffer` (fewer where the file ends early). */
  private async read(start: number, end: number, buffer: Buffer): Promise<Buffer> {
    const want = Math.min(this.remote.size, end) - start;
    // Past the page cache when memory and position allow: whole pages are
    // asked for (the file may end sooner, which O_DIRECT allows).
    if (this.direct && wholePages(want) <= buffer.length && directable(start, buffer.subarray(0, wholePages(want)))) {
      try {
        let got = 0;
        while (got < want) {
          const { bytesRead } = await this.direct.read(buffer, got, wholePages(want - got), start + got);
          if (bytesRead === 0) break; // the .part is shorter than its record said
          got += bytesRead;
          if (got % PAGE_BYTES !== 0) break; // a short read ends at the end of the file
        }
        return buffer.subarray(0, Math.min(got, want));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
        // Refused after all: read through the page cache below.
      }
    }
    let got = 0;
    while (got < want) {
      const { bytesRead } = await this.handle.read(buffer, got, want - got, start + got);
      if (bytesRead === 0) break; // the .part is shorter than its record said
      got += bytesRead;
    }
    return buffer.subarray(0, got);
  }

  /** Bytes held: verified plus arrived and not yet checked (for progress). */
  get heldBytes(): number {
    return this.ledger ? this.ledger.verifiedBytes + this.ledger.receivedBytes : 0;
  }

  /** Bytes waiting to be written or read back: the sender should slow down past a few MiB. */
  get backlogBytes(): number {
    return this.writer.pendingBytes + this.readingBack;
  }

  /** The file's BLAKE3 root (after begin). */
  get blake3(): string {
    return this.ledger!.list.blake3;
  }

  /** Bytes of verified chunks kept from an earlier attempt. */
  get keptBytes(): number {
    return this.ledger?.keptBytes ?? 0;
  }

  /** Chunks that failed their check (each is fetched again). */
  get failedChunks(): number {
    return this.ledger?.failedChunks ?? 0;
  }

  /** Take bytes that belong at `position`. Bytes of chunks already verified are dropped. */
  add(position: number, data: Buffer): void {
    if (this.failure) return;
    const ledger = this.ledger;
    if (!ledger) throw new FerryError(ErrorCode.Internal, 'bytes arrived before the chunk list');
    if (position + data.length > this.remote.size) {
      return this.fail(new FerryError(ErrorCode.TooLarge, `${this.remote.path}: the server sent bytes past the ${this.remote.size} it announced`));
    }
    try {
      while (data.length > 0) {
        const i = ledger.chunkOf(position);
        const piece = data.subarray(0, Math.min(data.length, (i + 1) * ledger.chunkBytes - position));
        if (ledger.take(i, position, piece)) this.writer.add({ position, data: piece });
        else this.onRelease?.(piece);
        position += piece.length;
        data = data.subarray(piece.length);
      }
    } catch (err) {
      return this.fail(err as FerryError);
    }
    if (!this.flushQueued) {
      // Everything that arrives in this turn of the event loop is written
      // together, and nothing before the record of a new attempt.
      this.flushQueued = true;
      void this.ready.then(() =>
        setImmediate(() => {
          this.flushQueued = false;
          this.writer.flush();
        }),
      );
    }
  }

  /** Byte ranges of the chunks not verified yet (at most `max` ranges). Call after settle(). */
  missing(max = Number.POSITIVE_INFINITY): [number, number][] {
    return this.ledger!.missing(max);
  }

  /** Wait for every write and every check under way. Throws what failed. */
  async settle(): Promise<void> {
    await this.writer.settle();
    while (this.checks.size > 0) await Promise.all(this.checks);
    if (this.failure) throw this.failure;
  }

  /** Everything verified: make it durable and close. The .part is then ready to be renamed. */
  async finish(): Promise<void> {
    await this.settle();
    if (!this.ledger!.complete) throw new FerryError(ErrorCode.Internal, `${this.remote.path}: finished with chunks missing`);
    if (this.candidate) await this.handle.truncate(this.remote.size); // a .part kept from before may have been longer
    await this.flushing.sync();
    await this.close();
    // One-chunk files keep no record, unless an earlier version of ferry or of the file left one.
    if (this.remote.size > this.ledger!.chunkBytes || this.hadRecord) await removeRecord(this.target.sidecar);
    this.finished = true;
  }

  /** Stop: keep the verified chunks and their record for the next attempt, close the file. */
  async abandon(): Promise<void> {
    if (this.finished) return; // complete and durable already; what failed came after
    await this.writer.settle().catch(() => {});
    await Promise.allSettled([...this.checks]);
    if (this.ledger) await this.saveRecord().catch(() => {});
    await this.close();
  }

  /** Stop and keep nothing: the server sent bytes that do not match its own hashes. */
  async discard(): Promise<void> {
    await this.abandon();
    await unlink(this.target.part).catch(() => {});
    await removeRecord(this.target.sidecar);
  }

  private onWritten(run: Piece[], direct: boolean): void {
    const ledger = this.ledger!;
    for (const piece of run) {
      this.onRelease?.(piece.data);
      if (!direct) this.bufferedBytes += piece.data.length;
      const i = ledger.chunkOf(piece.position);
      const done = ledger.written(i, piece.data.length);
      if (done) this.settleChunk(ledger, i, done);
    }
    // Bytes written past the page cache are with the disk already: flushing
    // behind them only asked the device to empty its cache again and again,
    // and the final fsync does that once.
    this.flushing.wrote(this.bufferedBytes);
    this.onDrain?.();
  }

  /** A chunk all written: its verdict from memory, or read back (the bytes are in the page cache). */
  private settleChunk(ledger: ChunkLedger, i: number, chunk: Arriving): void {
    if (chunk.match !== undefined) return this.verdict(ledger, i, chunk.match);
    const length = ledger.lengthOf(i);
    this.readingBack += length;
    this.track(
      this.read(i * ledger.chunkBytes, i * ledger.chunkBytes + length, Buffer.allocUnsafe(length))
        .then((bytes) => this.verdict(ledger, i, bytes.length === length && ledger.matches(i, bytes)))
        .finally(() => {
          this.readingBack -= length;
          this.onDrain?.();
        }),
    );
  }

  private verdict(ledger: ChunkLedger, i: number, ok: boolean): void {
    const error = ledger.verdict(i, ok);
    if (error) return this.fail(error);
    const now = performance.now();
    if (ok && now - this.lastSaved >= RECORD_INTERVAL_MS) {
      this.lastSaved = now;
      void this.saveRecord().catch(() => {}); // a hint only: a missed save costs a re-fetch
    }
  }

  /** A check under way: settle() waits for it, and a read that fails fails the landing. */
  private track(work: Promise<void>): void {
    const check: Promise<void> = work.catch((err: NodeJS.ErrnoException) => this.fail(describeWriteError(err))).finally(() => this.checks.delete(check));
    this.checks.add(check);
  }

  private saveRecord(): Promise<void> {
    const ledger = this.ledger!;
    // A file of one chunk is fetched again whole rather than resumed: no
    // record, which spares a folder of small files a write and a rename each.
    if (this.remote.size <= ledger.chunkBytes) return this.saving;
    const record: LandingRecord = {
      version: 2,
      server: this.remote.server,
      path: this.remote.path,
      size: this.remote.size,
      identity: this.remote.identity,
      blake3: ledger.list.blake3,
      chunkBytes: ledger.chunkBytes,
      verified: ledger.verifiedRuns(),
    };
    this.saving = this.saving.catch(() => {}).then(() => writeRecord(this.target.sidecar, record));
    return this.saving;
  }

  private fail(err: FerryError): void {
    this.failure ??= err;
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.saving.catch(() => {});
    await this.flushing.settle();
    await this.direct?.close();
    await this.handle.close();
  }
}

export function describeWriteError(err: unknown): FerryError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return new FerryError(ErrorCode.NoSpace, 'no space left on the local disk');
  if (code === 'EDQUOT') return new FerryError(ErrorCode.NoSpace, 'disk quota exceeded on the local disk');
  if (err instanceof FerryError) return err;
  return new FerryError(ErrorCode.Internal, `cannot write the download: ${(err as Error).message}`);
}
