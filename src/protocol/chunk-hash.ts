// How a transfer is checked end to end: the file is cut into chunks, each
// chunk has its own BLAKE3 hash, and the file's `blake3` root is a BLAKE3
// over the list (docs/protocol.md, "Chunk hashes"). A receiver checks each
// chunk on its own as it lands, in any order, and the root names the content
// (the client cache's key). Pure: bytes in, digests out.
//
// Why a hash of the list and not BLAKE3's own tree root: the native binding
// (@napi-rs/blake-hash) exposes whole hashes, not the tree's chaining values,
// so checking one chunk against a tree root would mean re-implementing
// BLAKE3's tree in JavaScript. A list of 32-byte hashes is at most 2 MiB
// (see chunkBytesFor) and costs one extra hash over it.

import type { Blake3Hasher } from '@napi-rs/blake-hash';
import { blake } from './blake3.js';

/** Smallest chunk: 1 MiB, the size of the server's DATA frames. */
export const MIN_CHUNK_BYTES = 1024 * 1024;
/** Most chunks per file: the list is then at most 2 MiB, one frame's payload. */
export const MAX_CHUNKS = 65536;
export const CHUNK_HASH_BYTES = 32;
/** BLAKE3 derive-key context for the root: no other BLAKE3 use can collide with it. */
const ROOT_CONTEXT = 'ferry 2026-12 chunk list v1';

/** 1 MiB, doubled until the file has at most MAX_CHUNKS chunks. */
export function chunkBytesFor(size: number): number {
  let bytes = MIN_CHUNK_BYTES;
  while (Math.ceil(size / bytes) > MAX_CHUNKS) bytes *= 2;
  return bytes;
}

export function chunkCountOf(size: number, chunkBytes: number): number {
  return Math.ceil(size / chunkBytes);
}

/** Byte range [start, end) of chunk `i`. */
export function chunkRange(i: number, size: number, chunkBytes: number): [number, number] {
  const start = i * chunkBytes;
  return [start, Math.min(size, start + chunkBytes)];
}

/** BLAKE3 of one chunk's bytes. */
export function hashChunk(data: Uint8Array): Buffer {
  return blake().blake3(data);
}

/** The root, as lower-case hex, of a file of `size` bytes cut into `chunkBytes` chunks with these hashes. */
export function rootOf(size: number, chunkBytes: number, chunkHashes: Uint8Array): string {
  if (chunkHashes.length !== chunkCountOf(size, chunkBytes) * CHUNK_HASH_BYTES) throw new RangeError('chunk list does not match the size');
  ROOT_HEAD.writeBigUInt64BE(BigInt(size), 0);
  ROOT_HEAD.writeUInt32BE(chunkBytes, 8);
  // reset() keeps the derived key: deriving it again costs more than hashing a small file's list.
  const hasher = (rootHasher ??= blake().Blake3Hasher.newDeriveKey(ROOT_CONTEXT));
  hasher.reset();
  return hasher.update(ROOT_HEAD).update(chunkHashes).digest('hex');
}

/** The root's hasher (made on first use) and header: rootOf runs to completion, so one of each serves every call (per thread). */
let rootHasher: Blake3Hasher | undefined;
const ROOT_HEAD = Buffer.alloc(12);

/** A 64-digit lower-case hex BLAKE3 root. */
export const BLAKE3_HEX = /^[0-9a-f]{64}$/;

/**
 * Chunk hashes of a byte stream fed in order, in pieces of any size: what the
 * server's hash worker and the cache compute over a file. `finish()` gives the
 * list and the root.
 */
export class ChunkHasher {
  readonly chunkBytes: number;
  private readonly list: Buffer;
  private readonly count: number;
  private current: Blake3Hasher = new (blake().Blake3Hasher)();
  private inChunk = 0;
  private done = 0;
  private fed = 0;

  constructor(readonly size: number) {
    this.chunkBytes = chunkBytesFor(size);
    this.count = chunkCountOf(size, this.chunkBytes);
    this.list = Buffer.alloc(this.count * CHUNK_HASH_BYTES);
  }

  update(data: Uint8Array): void {
    if (this.fed + data.length > this.size) throw new RangeError('more bytes than the size given');
    this.fed += data.length;
    let at = 0;
    while (at < data.length) {
      const take = Math.min(this.chunkBytes - this.inChunk, data.length - at);
      // A whole chunk in one piece (the common case) hashes in one call.
      if (take === this.chunkBytes) this.list.set(blake().blake3(data.subarray(at, at + take)), this.done++ * CHUNK_HASH_BYTES);
      else {
        this.current.update(data.subarray(at, at + take));
        this.inChunk += take;
        if (this.inChunk === this.chunkBytes) this.endChunk();
      }
      at += take;
    }
  }

  finish(): { chunkBytes: number; chunks: Buffer; blake3: string } {
    if (this.fed !== this.size) throw new RangeError(`fed ${this.fed} of ${this.size} bytes`);
    if (this.inChunk > 0) this.endChunk();
    return { chunkBytes: this.chunkBytes, chunks: this.list, blake3: rootOf(this.size, this.chunkBytes, this.list) };
  }

  private endChunk(): void {
    this.list.set(this.current.digestBuffer(), this.done++ * CHUNK_HASH_BYTES);
    this.current = new (blake().Blake3Hasher)();
    this.inChunk = 0;
  }
}
