// Which chunks of a download are verified, which are arriving, and what each
// verdict means: the bookkeeping of the landing place, without any I/O.
// Chunks whose bytes arrive in order (all of TCP, most of UDP) are hashed as
// they arrive; the others are marked to be read back once written, which the
// landing does.

import type { Blake3Hasher } from '@napi-rs/blake-hash';
import { CHUNK_HASH_BYTES, chunkBytesFor, chunkCountOf, hashChunk, rootOf } from '../../protocol/chunk-hash.js';
import { blake } from '../../protocol/blake3.js';
import { ErrorCode, FerryError } from '../../protocol/errors.js';
import type { ChunkList } from './landing.js';
import { runsOf } from './record.js';

/** Times one chunk may fail its check before the server is taken to be lying about it. */
export const MAX_CHUNK_FAILURES = 3;

/** A chunk whose bytes are arriving. */
export interface Arriving {
  received: number;
  written: number;
  /** Next byte expected for in-order hashing; -1 once pieces came out of order (read back instead). */
  next: number;
  hasher?: Blake3Hasher;
  /** The verdict from memory, once every byte has arrived in order. */
  match?: boolean;
}

export class ChunkLedger {
  readonly chunkBytes: number;
  /** Bytes of verified chunks kept from an earlier attempt. */
  keptBytes = 0;
  /** Chunks that failed their check (each is fetched again). */
  failedChunks = 0;
  /** Bytes of verified chunks, and of chunks arriving (for progress). */
  verifiedBytes = 0;
  receivedBytes = 0;
  private readonly verified: Uint8Array;
  private readonly failures: Uint8Array;
  private readonly arriving = new Map<number, Arriving>();
  /** Chunks an earlier attempt left, being checked: bytes arriving for them meanwhile are dropped. */
  private readonly keeping = new Set<number>();

  /** Refuses (CHECKSUM_MISMATCH) a list that does not match its root or the file's size. */
  constructor(
    private readonly path: string,
    private readonly size: number,
    readonly list: ChunkList,
  ) {
    const count = chunkCountOf(size, list.chunkBytes);
    if (
      list.chunkBytes !== chunkBytesFor(size) ||
      list.chunks.length !== count * CHUNK_HASH_BYTES ||
      rootOf(size, list.chunkBytes, list.chunks) !== list.blake3
    ) {
      throw new FerryError(ErrorCode.ChecksumMismatch, `${path}: the server's chunk list does not match its BLAKE3 root`);
    }
    this.chunkBytes = list.chunkBytes;
    this.verified = new Uint8Array(count);
    this.failures = new Uint8Array(count);
  }

  get count(): number {
    return this.verified.length;
  }

  get complete(): boolean {
    return !this.verified.includes(0);
  }

  chunkOf(position: number): number {
    return Math.floor(position / this.chunkBytes);
  }

  lengthOf(i: number): number {
    return Math.min(this.size - i * this.chunkBytes, this.chunkBytes);
  }

  /** Whether `bytes` are chunk `i`'s. */
  matches(i: number, bytes: Uint8Array): boolean {
    return hashChunk(bytes).equals(this.list.chunks.subarray(i * CHUNK_HASH_BYTES, (i + 1) * CHUNK_HASH_BYTES));
  }

  /** These chunks are being checked from an earlier attempt's .part. */
  checking(chunks: Iterable<number>): void {
    for (const i of chunks) this.keeping.add(i);
  }

  /** An earlier attempt's chunk, checked: kept if it matched. */
  kept(i: number, ok: boolean): void {
    this.keeping.delete(i);
    if (!ok) return;
    this.verified[i] = 1;
    this.keptBytes += this.lengthOf(i);
    this.verifiedBytes += this.lengthOf(i);
  }

  /**
   * A piece of chunk `i` arrived at `position` (never straddling chunks).
   * False: drop it (the chunk is verified, or being checked). Throws
   * BAD_FRAME when more bytes arrive for a chunk than it holds.
   */
  take(i: number, position: number, piece: Buffer): boolean {
    if (this.verified[i] === 1 || this.keeping.has(i)) return false;
    const start = i * this.chunkBytes;
    const length = this.lengthOf(i);
    let a = this.arriving.get(i);
    if (!a) {
      a = { received: 0, written: 0, next: start };
      this.arriving.set(i, a);
    }
    if (a.received + piece.length > length) throw new FerryError(ErrorCode.BadFrame, `${this.path}: more bytes arrived for chunk ${i} than it holds`);
    if (a.next === position) {
      if (position === start && piece.length === length) a.match = this.matches(i, piece);
      else (a.hasher ??= new (blake().Blake3Hasher)()).update(piece);
      a.next += piece.length;
    } else {
      a.next = -1; // out of order: checked by reading it back once written
      a.hasher = undefined;
    }
    a.received += piece.length;
    this.receivedBytes += piece.length;
    if (a.received === length && a.hasher)
      a.match = a.hasher.digestBuffer().equals(this.list.chunks.subarray(i * CHUNK_HASH_BYTES, (i + 1) * CHUNK_HASH_BYTES));
    return true;
  }

  /**
   * `n` bytes of chunk `i` are in the file. When that completes the chunk it
   * is returned (and no longer arriving): its `match` is the verdict, or
   * undefined when it must be read back.
   */
  written(i: number, n: number): Arriving | undefined {
    const a = this.arriving.get(i);
    if (!a) return undefined; // a chunk given up on meanwhile
    a.written += n;
    if (a.written !== this.lengthOf(i)) return undefined;
    this.arriving.delete(i);
    this.receivedBytes -= a.received;
    return a;
  }

  /** The verdict on a chunk: a CHECKSUM_MISMATCH error once it has failed MAX_CHUNK_FAILURES times. */
  verdict(i: number, ok: boolean): FerryError | undefined {
    if (this.verified[i] === 1) return undefined;
    if (ok) {
      this.verified[i] = 1;
      this.verifiedBytes += this.lengthOf(i);
      return undefined;
    }
    this.failedChunks++;
    if (++this.failures[i]! < MAX_CHUNK_FAILURES) return undefined;
    return new FerryError(
      ErrorCode.ChecksumMismatch,
      `${this.path}: chunk ${i} failed its BLAKE3 check ${MAX_CHUNK_FAILURES} times; the server's bytes do not match its hashes`,
    );
  }

  /** Byte ranges of the chunks not verified (at most `max`); chunks cut short start again from nothing. */
  missing(max = Number.POSITIVE_INFINITY): [number, number][] {
    for (const [i, a] of this.arriving) {
      this.receivedBytes -= a.received;
      this.arriving.delete(i);
    }
    return chunksToBytes(runsOf(this.verified, 0), this.size, this.chunkBytes).slice(0, max);
  }

  /** Verified chunks as [first, end) runs (for the record). */
  verifiedRuns(): [number, number][] {
    return runsOf(this.verified);
  }
}

/** Chunk-number runs to byte ranges. */
export function chunksToBytes(runs: [number, number][], size: number, chunkBytes: number): [number, number][] {
  return runs.map(([a, b]) => [a * chunkBytes, Math.min(size, b * chunkBytes)]);
}
