import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChunkLedger, MAX_CHUNK_FAILURES } from '../../src/client/landing/chunk-ledger.js';
import { ChunkHasher, MIN_CHUNK_BYTES } from '../../src/protocol/chunk-hash.js';
import { ErrorCode } from '../../src/protocol/errors.js';

const MiB = MIN_CHUNK_BYTES;
const data = randomBytes(2 * MiB + 100);
const h = new ChunkHasher(data.length);
h.update(data);
const list = h.finish();

describe('ChunkLedger', () => {
  it('checks in-order pieces from memory and leaves out-of-order ones to be read back', () => {
    const l = new ChunkLedger('f', data.length, list);
    expect(l.count).toBe(3);
    // Chunk 0 in order, in two pieces: a verdict from memory once written.
    expect(l.take(0, 0, data.subarray(0, 1000))).toBe(true);
    expect(l.take(0, 1000, data.subarray(1000, MiB))).toBe(true);
    expect(l.written(0, 1000)).toBeUndefined();
    expect(l.written(0, MiB - 1000)).toMatchObject({ match: true });
    // Chunk 1 out of order: no verdict from memory.
    l.take(1, MiB + 10, data.subarray(MiB + 10, 2 * MiB));
    l.take(1, MiB, data.subarray(MiB, MiB + 10));
    expect(l.written(1, MiB)?.match).toBeUndefined();
    expect(l.verdict(0, true)).toBeUndefined();
    expect(l.take(0, 0, data.subarray(0, MiB))).toBe(false); // verified: dropped
    expect(l.missing()).toEqual([[MiB, data.length]]);
    expect(() => l.take(2, 2 * MiB, Buffer.alloc(200))).toThrow(expect.objectContaining({ code: ErrorCode.BadFrame }));
  });

  it('gives a CHECKSUM_MISMATCH on the last allowed failure of one chunk, not before', () => {
    const l = new ChunkLedger('f', data.length, list);
    for (let k = 1; k < MAX_CHUNK_FAILURES; k++) expect(l.verdict(2, false)).toBeUndefined();
    expect(l.verdict(2, false)).toMatchObject({ code: ErrorCode.ChecksumMismatch });
    expect(l.failedChunks).toBe(MAX_CHUNK_FAILURES);
  });

  it('drops bytes for chunks being checked from an earlier attempt, and keeps those that matched', () => {
    const l = new ChunkLedger('f', data.length, list);
    l.checking([0, 1]);
    expect(l.take(0, 0, data.subarray(0, MiB))).toBe(false);
    l.kept(0, true);
    l.kept(1, false);
    expect(l.keptBytes).toBe(MiB);
    expect(l.take(1, MiB, data.subarray(MiB, 2 * MiB))).toBe(true);
    expect(l.verifiedRuns()).toEqual([[0, 1]]);
  });

  it('refuses a list that does not match its root', () => {
    const chunks = Buffer.from(list.chunks);
    chunks[0]! ^= 1;
    expect(() => new ChunkLedger('f', data.length, { ...list, chunks })).toThrow(expect.objectContaining({ code: ErrorCode.ChecksumMismatch }));
  });
});
