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
// Chunks arriving in order (all of TCP, most of UDP) are hashed as they
// arrive, from memory; a chunk whose pieces came out of order is read back
// from the file once it is all written, and hashed then.

import type { FileHandle } from 'node:fs/promises';
import { unlink } from 'node:fs/promises';
import { Blake3Hasher } from '@napi-rs/blake-hash';
import { CHUNK_HASH_BYTES, chunkBytesFor, chunkCountOf, hashChunk, MIN_CHUNK_BYTES, rootOf } from '../../protocol/chunk-hash.js';
import { ErrorCode, FerryError } from '../../protocol/errors.js';
import type { FileIdentity } from '../../protocol/messages.js';
import { FlushBehind } from '../flush-behind.js';
import { openPart } from '../part-file.js';
import { type LandingRecord, readRecord, removeRecord, runsOf, sameRemote, writeRecord } from './record.js';
import { type Piece, PositionalWriter } from './writer.js';

export interface LandingTarget {
  part: string;
  sidecar: string;
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
/** Times one chunk may fail its check before the server is taken to be lying about it. */
export const MAX_CHUNK_FAILURES = 3;
/** How often the record of verified chunks is saved while bytes arrive. */
const RECORD_INTERVAL_MS = 1000;

interface InProgress {
  received: number;
  written: number;
  /** Next byte expected for in-order hashing; -1 once pieces came out of order (read back instead). */
  next: number;
  hasher?: Blake3Hasher;
  /** The verdict from memory, once every byte has arrived in order. */
  match?: boolean;
}

export class Landing {
  /** Bytes of verified chunks kept from an earlier attempt. */
  keptBytes = 0;
  /** Chunks that failed their check (each is fetched again). */
  failedChunks = 0;
  /** True when a .part from an earlier attempt was for another version of the file. */
  restarted: boolean;
  private list: ChunkList | undefined;
  private verified = new Uint8Array(0);
  private failures = new Uint8Array(0);
  private readonly progress = new Map<number, InProgress>();
  private readonly writer: PositionalWriter;
  private readonly flushing: FlushBehind;
  private flushQueued = false;
  private verifiedBytes = 0;
  private receivedBytes = 0;
  private writtenBytes = 0;
  private readingBack = 0;
  private readonly checks = new Set<Promise<void>>();
  /** Chunks an earlier attempt left, being checked: bytes arriving for them meanwhile are dropped. */
  private readonly keeping = new Set<number>();
  /**
   * Resolves once the chunks an earlier attempt left are checked. A sender
   * may hold its stream until then: checking them beside a full-speed
   * transfer made both slower here (one thread does the hashing of both).
   */
  kept: Promise<void> = Promise.resolve();
  private failure: FerryError | undefined;
  private lastSaved = 0;
  private saving: Promise<void> = Promise.resolve();
  private closed = false;
  private finished = false;
  private hadRecord = false;
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
      (run) => this.onWritten(run),
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
    return toBytes(runsOf(this.claimed(c), 0), size, c.chunkBytes);
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
    const size = this.remote.size;
    const count = chunkCountOf(size, list.chunkBytes);
    if (
      list.chunkBytes !== chunkBytesFor(size) ||
      list.chunks.length !== count * CHUNK_HASH_BYTES ||
      rootOf(size, list.chunkBytes, list.chunks) !== list.blake3
    ) {
      throw new FerryError(ErrorCode.ChecksumMismatch, `${this.remote.path}: the server's chunk list does not match its BLAKE3 root`);
    }
    this.list = list;
    this.verified = new Uint8Array(count);
    this.failures = new Uint8Array(count);
    const c = this.candidate;
    if (c && c.blake3 === list.blake3 && c.chunkBytes === list.chunkBytes) {
      const kept = this.keep(c);
      this.track(kept);
      this.kept = kept.catch(() => {});
    } else {
      // Same identity, other content: the file was rewritten in place. Every
      // chunk is written again; finish() cuts the file to its size.
      if (c) this.restarted = true;
      void this.saveRecord().catch(() => {});
    }
  }

  /** Nothing is kept on the record's word: every chunk it claims is read back and checked. */
  private async keep(c: LandingRecord): Promise<void> {
    const claimed = this.claimed(c);
    const chunkBytes = c.chunkBytes;
    // Read in blocks of several chunks, the next block read while this one is
    // hashed: one 1 MiB read at a time, each waiting its turn behind the
    // transfer's writes, took 0.76 s for 300 MiB here.
    const per = Math.max(1, Math.floor(KEEP_BLOCK_BYTES / chunkBytes));
    const blocks: [number, number][] = [];
    for (const [a, b] of runsOf(claimed)) for (let s = a; s < b; s += per) blocks.push([s, Math.min(b, s + per)]);
    for (const [a, b] of blocks) for (let i = a; i < b; i++) this.keeping.add(i);
    const buffers = [0, 1].map(() => Buffer.allocUnsafe(Math.min(per * chunkBytes, this.remote.size)));
    let next = blocks[0] ? this.readBlock(blocks[0], buffers[0]!) : undefined;
    for (let k = 0; k < blocks.length; k++) {
      const bytes = await next!;
      next = blocks[k + 1] ? this.readBlock(blocks[k + 1]!, buffers[(k + 1) % 2]!) : undefined;
      const [a, b] = blocks[k]!;
      for (let i = a; i < b; i++) {
        const at = (i - a) * chunkBytes;
        const length = this.lengthOf(i);
        const ok = bytes.length >= at + length && hashChunk(bytes.subarray(at, at + length)).equals(this.expected(i));
        this.keeping.delete(i);
        if (!ok) continue;
        this.verified[i] = 1;
        this.keptBytes += length;
        this.verifiedBytes += length;
      }
    }
    await this.saveRecord();
  }

  /** The bytes of chunks [a, b) in the .part (fewer where the file ends early). */
  private async readBlock([a, b]: [number, number], buffer: Buffer): Promise<Buffer> {
    const chunkBytes = this.list!.chunkBytes;
    const start = a * chunkBytes;
    const want = Math.min(this.remote.size, b * chunkBytes) - start;
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
    return this.verifiedBytes + this.receivedBytes;
  }

  /** Bytes waiting to be written or read back: the sender should slow down past a few MiB. */
  get backlogBytes(): number {
    return this.writer.pendingBytes + this.readingBack;
  }

  /** The file's BLAKE3 root (after begin). */
  get blake3(): string {
    return this.list!.blake3;
  }

  /** Take bytes that belong at `position`. Bytes of chunks already verified are dropped. */
  add(position: number, data: Buffer): void {
    if (this.failure) return;
    const list = this.list;
    if (!list) throw new FerryError(ErrorCode.Internal, 'bytes arrived before the chunk list');
    if (position + data.length > this.remote.size) {
      return this.fail(new FerryError(ErrorCode.TooLarge, `${this.remote.path}: the server sent bytes past the ${this.remote.size} it announced`));
    }
    while (data.length > 0) {
      const i = Math.floor(position / list.chunkBytes);
      const take = Math.min(data.length, (i + 1) * list.chunkBytes - position);
      this.accept(i, position, data.subarray(0, take));
      position += take;
      data = data.subarray(take);
    }
    if (!this.flushQueued) {
      // Everything that arrives in this turn of the event loop is written together.
      this.flushQueued = true;
      setImmediate(() => {
        this.flushQueued = false;
        this.writer.flush();
      });
    }
  }

  /** Byte ranges of the chunks not verified yet (at most `max` ranges). Call after settle(). */
  missing(max = Number.POSITIVE_INFINITY): [number, number][] {
    const list = this.list!;
    // Chunks cut short (a dropped connection) start again from nothing.
    for (const [i, p] of this.progress) {
      this.receivedBytes -= p.received;
      this.progress.delete(i);
    }
    return toBytes(runsOf(this.verified, 0), this.remote.size, list.chunkBytes).slice(0, max);
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
    if (this.verified.includes(0)) throw new FerryError(ErrorCode.Internal, `${this.remote.path}: finished with chunks missing`);
    if (this.candidate) await this.handle.truncate(this.remote.size); // a .part kept from before may have been longer
    await this.flushing.sync();
    await this.close();
    // One-chunk files keep no record, unless an earlier version of ferry or of the file left one.
    if (this.remote.size > this.list!.chunkBytes || this.hadRecord) await removeRecord(this.target.sidecar);
    this.finished = true;
  }

  /** Stop: keep the verified chunks and their record for the next attempt, close the file. */
  async abandon(): Promise<void> {
    if (this.finished) return; // complete and durable already; what failed came after
    await this.writer.settle().catch(() => {});
    await Promise.allSettled([...this.checks]);
    if (this.list) await this.saveRecord().catch(() => {});
    await this.close();
  }

  /** Stop and keep nothing: the server sent bytes that do not match its own hashes. */
  async discard(): Promise<void> {
    await this.abandon();
    await unlink(this.target.part).catch(() => {});
    await removeRecord(this.target.sidecar);
  }

  private accept(i: number, position: number, piece: Buffer): void {
    if (this.verified[i] === 1 || this.keeping.has(i)) return this.onRelease?.(piece);
    const start = i * this.list!.chunkBytes;
    const length = this.lengthOf(i);
    let p = this.progress.get(i);
    if (!p) {
      p = { received: 0, written: 0, next: start };
      this.progress.set(i, p);
    }
    if (p.received + piece.length > length) {
      return this.fail(new FerryError(ErrorCode.BadFrame, `${this.remote.path}: more bytes arrived for chunk ${i} than it holds`));
    }
    if (p.next === position) {
      if (position === start && piece.length === length) p.match = hashChunk(piece).equals(this.expected(i));
      else (p.hasher ??= new Blake3Hasher()).update(piece);
      p.next += piece.length;
    } else {
      p.next = -1; // out of order: checked by reading it back once written
      p.hasher = undefined;
    }
    p.received += piece.length;
    this.receivedBytes += piece.length;
    if (p.received === length && p.hasher) p.match = p.hasher.digestBuffer().equals(this.expected(i));
    this.writer.add({ position, data: piece });
  }

  private onWritten(run: Piece[]): void {
    const chunkBytes = this.list!.chunkBytes;
    for (const piece of run) {
      this.onRelease?.(piece.data);
      this.writtenBytes += piece.data.length;
      const i = Math.floor(piece.position / chunkBytes);
      const p = this.progress.get(i);
      if (!p) continue; // a chunk given up on meanwhile
      p.written += piece.data.length;
      if (p.written === this.lengthOf(i)) this.settleChunk(i, p);
    }
    this.flushing.wrote(this.writtenBytes);
    this.onDrain?.();
  }

  private settleChunk(i: number, p: InProgress): void {
    this.progress.delete(i);
    this.receivedBytes -= p.received;
    if (p.match !== undefined) return this.verdict(i, p.match);
    // Read back: the bytes are in the page cache, the hash is ~7 GB/s.
    const length = this.lengthOf(i);
    this.readingBack += length;
    this.track(
      this.readMatches(i, Buffer.allocUnsafe(length))
        .then((ok) => this.verdict(i, ok))
        .finally(() => {
          this.readingBack -= length;
          this.onDrain?.();
        }),
    );
  }

  /** A check under way: settle() waits for it, and a read that fails fails the landing. */
  private track(work: Promise<void>): void {
    const check: Promise<void> = work.catch((err: NodeJS.ErrnoException) => this.fail(describeWriteError(err))).finally(() => this.checks.delete(check));
    this.checks.add(check);
  }

  private verdict(i: number, ok: boolean): void {
    if (this.verified[i] === 1) return;
    if (ok) {
      this.verified[i] = 1;
      this.verifiedBytes += this.lengthOf(i);
      const now = performance.now();
      if (now - this.lastSaved >= RECORD_INTERVAL_MS) {
        this.lastSaved = now;
        void this.saveRecord().catch(() => {}); // a hint only: a missed save costs a re-fetch
      }
      return;
    }
    this.failedChunks++;
    if (++this.failures[i]! >= MAX_CHUNK_FAILURES) {
      this.fail(
        new FerryError(
          ErrorCode.ChecksumMismatch,
          `${this.remote.path}: chunk ${i} failed its BLAKE3 check ${MAX_CHUNK_FAILURES} times; the server's bytes do not match its hashes`,
        ),
      );
    }
  }

  private async readMatches(i: number, buffer: Buffer): Promise<boolean> {
    const length = this.lengthOf(i);
    const into = buffer.subarray(0, length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await this.handle.read(into, got, length - got, i * this.list!.chunkBytes + got);
      if (bytesRead === 0) return false; // the .part is shorter than its record said
      got += bytesRead;
    }
    return hashChunk(into).equals(this.expected(i));
  }

  private expected(i: number): Buffer {
    return this.list!.chunks.subarray(i * CHUNK_HASH_BYTES, (i + 1) * CHUNK_HASH_BYTES);
  }

  private lengthOf(i: number): number {
    const chunkBytes = this.list!.chunkBytes;
    return Math.min(this.remote.size - i * chunkBytes, chunkBytes);
  }

  private saveRecord(): Promise<void> {
    const list = this.list!;
    // A file of one chunk is fetched again whole rather than resumed: no
    // record, which spares a folder of small files a write and a rename each.
    if (this.remote.size <= list.chunkBytes) return this.saving;
    const record: LandingRecord = {
      version: 2,
      server: this.remote.server,
      path: this.remote.path,
      size: this.remote.size,
      identity: this.remote.identity,
      blake3: list.blake3,
      chunkBytes: list.chunkBytes,
      verified: runsOf(this.verified),
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
    await this.handle.close();
  }
}

/** Chunk-number runs to byte ranges. */
function toBytes(runs: [number, number][], size: number, chunkBytes: number): [number, number][] {
  return runs.map(([a, b]) => [a * chunkBytes, Math.min(size, b * chunkBytes)]);
}

export function describeWriteError(err: unknown): FerryError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return new FerryError(ErrorCode.NoSpace, 'no space left on the local disk');
  if (code === 'EDQUOT') return new FerryError(ErrorCode.NoSpace, 'disk quota exceeded on the local disk');
  if (err instanceof FerryError) return err;
  return new FerryError(ErrorCode.Internal, `cannot write the download: ${(err as Error).message}`);
}
