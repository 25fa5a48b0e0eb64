import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHUNK_HASH_BYTES, ChunkHasher, MAX_CHUNKS, MIN_CHUNK_BYTES, chunkBytesFor, chunkRange, hashChunk, rootOf } from '../../src/protocol/chunk-hash.js';

/** A file's bytes that are easy to write down: byte i is i mod 251. */
function pattern(size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = i % 251;
  return b;
}

describe('chunk hashes', () => {
  it('hash one chunk with plain BLAKE3 (the standard vector for "abc")', () => {
    expect(hashChunk(Buffer.from('abc')).toString('hex')).toBe('6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85');
  });

  it('cut files into 1 MiB chunks, doubling only past 65,536 of them', () => {
    expect(chunkBytesFor(0)).toBe(MIN_CHUNK_BYTES);
    expect(chunkBytesFor(64 * 1024 ** 3)).toBe(MIN_CHUNK_BYTES);
    expect(chunkBytesFor(64 * 1024 ** 3 + 1)).toBe(2 * MIN_CHUNK_BYTES);
    expect(chunkBytesFor(1024 ** 4)).toBe(16 * MIN_CHUNK_BYTES);
    for (const size of [1, 5e9, 2 ** 45, 2 ** 50]) expect(Math.ceil(size / chunkBytesFor(size))).toBeLessThanOrEqual(MAX_CHUNKS);
    expect(chunkRange(2, 2.5 * MIN_CHUNK_BYTES, MIN_CHUNK_BYTES)).toEqual([2 * MIN_CHUNK_BYTES, 2.5 * MIN_CHUNK_BYTES]);
  });

  // Fixed vectors for a second implementation (docs/protocol.md, "Chunk hashes").
  it('give these roots', () => {
    const empty = new ChunkHasher(0).finish();
    expect(empty.chunks.length).toBe(0);
    expect(empty.blake3).toBe(rootOf(0, MIN_CHUNK_BYTES, Buffer.alloc(0)));
    expect(empty.blake3).toBe('88c7086eeb490d68defef2601f6e05f7cd6b77ea105bbda9dfb4586cdd66ad25');
    const size = 2 * MIN_CHUNK_BYTES + 5;
    const h = new ChunkHasher(size);
    h.update(pattern(size));
    const r = h.finish();
    expect(r.chunks.length).toBe(3 * CHUNK_HASH_BYTES);
    expect(r.chunks.subarray(64).toString('hex')).toBe(hashChunk(pattern(size).subarray(2 * MIN_CHUNK_BYTES)).toString('hex'));
    expect(r.blake3).toBe('a02300688901f167ec1060902a7d7ca3073c530b2fb8dfb0168d22fc684f6670');
  });

  it('give the same list and root however the bytes are split', () => {
    const size = 3 * MIN_CHUNK_BYTES + 777;
    const bytes = pattern(size);
    const whole = new ChunkHasher(size);
    whole.update(bytes);
    const expected = whole.finish();
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: size - 1 }), { maxLength: 8 }), (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const h = new ChunkHasher(size);
        let at = 0;
        for (const p of [...points, size]) {
          h.update(bytes.subarray(at, p));
          at = p;
        }
        const r = h.finish();
        expect(r.chunks.equals(expected.chunks)).toBe(true);
        expect(r.blake3).toBe(expected.blake3);
      }),
      { numRuns: 30 },
    );
  });

  it('name different content, size or cut differently', () => {
    const a = rootOf(10, MIN_CHUNK_BYTES, hashChunk(Buffer.alloc(10)));
    expect(rootOf(10, MIN_CHUNK_BYTES, hashChunk(Buffer.alloc(10, 1)))).not.toBe(a);
    expect(rootOf(10, 2 * MIN_CHUNK_BYTES, hashChunk(Buffer.alloc(10)))).not.toBe(a);
    expect(() => rootOf(11, MIN_CHUNK_BYTES, Buffer.alloc(64))).toThrow(RangeError);
  });

  it('refuse more or fewer bytes than the size', () => {
    const h = new ChunkHasher(4);
    expect(() => h.update(Buffer.alloc(5))).toThrow(RangeError);
    h.update(Buffer.alloc(3));
    expect(() => h.finish()).toThrow(RangeError);
  });
});
