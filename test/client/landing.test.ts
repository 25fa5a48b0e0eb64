// The landing place on its own: pieces in any order, chunks checked against
// the list, a record that survives an interruption, and a .part damaged
// between runs repaired by fetching only the damaged chunk.

import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { ChunkHasher, MIN_CHUNK_BYTES } from '../../src/protocol/chunk-hash.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { type ChunkList, Landing, type RemoteFile } from '../../src/client/landing/landing.js';
import { readRecord } from '../../src/client/landing/record.js';
import { scratchDir } from '../helpers/scratch.js';

const MiB = MIN_CHUNK_BYTES;
const data = randomBytes(4 * MiB + 1000); // five chunks, the last one short
const remote: RemoteFile = { server: 'srv:1', path: 'f.bin', size: data.length, identity: { size: data.length, mtimeMs: 1, ino: 2, dev: 3 } };

function listOf(bytes: Buffer): ChunkList {
  const h = new ChunkHasher(bytes.length);
  h.update(bytes);
  const r = h.finish();
  return { blake3: r.blake3, chunkBytes: r.chunkBytes, chunks: r.chunks };
}

let dir: string;
let target: { part: string; sidecar: string };
beforeEach(async () => {
  dir = await scratchDir('ferry-landing-');
  target = { part: join(dir, '.f.bin.ferry-part'), sidecar: join(dir, '.f.bin.ferry-part.json') };
});

/** Feed [from, to) of `bytes` in pieces of `piece` bytes, in the order `order` gives. */
function feed(landing: Landing, bytes: Buffer, from: number, to: number, piece: number, order: 'forward' | 'backward' = 'forward'): void {
  const starts: number[] = [];
  for (let at = from; at < to; at += piece) starts.push(at);
  if (order === 'backward') starts.reverse();
  for (const at of starts) landing.add(at, bytes.subarray(at, Math.min(to, at + piece)));
}

describe('Landing', () => {
  it('lands pieces in order and out of order, checking every chunk', async () => {
    for (const order of ['forward', 'backward'] as const) {
      const landing = await Landing.open(target, remote);
      expect(landing.guess()).toEqual([[0, data.length]]);
      landing.begin(listOf(data));
      feed(landing, data, 0, data.length, 61_440, order); // UDP-sized pieces straddle chunk boundaries
      await landing.settle();
      expect(landing.missing()).toEqual([]);
      expect(landing.failedChunks).toBe(0);
      await landing.finish();
      expect((await readFile(target.part)).equals(data)).toBe(true);
      expect(await readRecord(target.sidecar)).toBeUndefined(); // a finished landing leaves no record
    }
  });

  it('finds a damaged chunk, leaves it missing and takes it again', async () => {
    const landing = await Landing.open(target, remote);
    landing.begin(listOf(data));
    const bad = Buffer.from(data);
    bad[2 * MiB + 5]! ^= 0x10;
    feed(landing, bad, 0, data.length, MiB);
    await landing.settle();
    expect(landing.failedChunks).toBe(1);
    expect(landing.missing()).toEqual([[2 * MiB, 3 * MiB]]);
    expect(landing.heldBytes).toBe(data.length - MiB);
    feed(landing, data, 2 * MiB, 3 * MiB, 100_000); // again, in pieces this time
    await landing.settle();
    expect(landing.missing()).toEqual([]);
    await landing.finish();
    expect((await readFile(target.part)).equals(data)).toBe(true);
  });

  it('gives up on a chunk that fails three times: the server is lying', async () => {
    const landing = await Landing.open(target, remote);
    landing.begin(listOf(data));
    const bad = Buffer.from(data.subarray(0, MiB));
    bad[0]! ^= 1;
    for (let i = 0; i < 2; i++) {
      landing.add(0, bad);
      await landing.settle();
      landing.missing();
    }
    landing.add(0, bad);
    await expect(landing.settle()).rejects.toMatchObject({
      code: ErrorCode.ChecksumMismatch,
      message: expect.stringMatching(/chunk 0 failed its BLAKE3 check 3 times/),
    });
    await landing.discard();
    await expect(readFile(target.part)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('keeps the verified chunks of an interrupted attempt, and repairs a .part damaged between runs', async () => {
    const first = await Landing.open(target, remote);
    first.begin(listOf(data));
    feed(first, data, 0, 3 * MiB, MiB); // three chunks arrive, then the connection is lost
    await first.settle();
    await first.abandon();
    expect((await readRecord(target.sidecar))?.verified).toEqual([[0, 3]]);

    // Between runs, a bit of chunk 1 rots on disk.
    const part = await readFile(target.part);
    part[MiB + 7]! ^= 0x80;
    await writeFile(target.part, part);

    const second = await Landing.open(target, remote);
    expect(second.guess()).toEqual([[3 * MiB, data.length]]); // what the record says is missing
    second.begin(listOf(data));
    feed(second, data, 0, MiB, MiB); // bytes for a chunk being checked are dropped, not written over it
    await second.settle();
    expect(second.keptBytes).toBe(2 * MiB); // chunks 0 and 2 still match; chunk 1 does not
    feed(second, data, 3 * MiB, data.length, MiB);
    await second.settle();
    expect(second.missing()).toEqual([[MiB, 2 * MiB]]);
    feed(second, data, MiB, 2 * MiB, MiB);
    await second.settle();
    expect(second.missing()).toEqual([]);
    await second.finish();
    expect((await readFile(target.part)).equals(data)).toBe(true);
  });

  it('starts over when the record is for another version of the file', async () => {
    const first = await Landing.open(target, remote);
    first.begin(listOf(data));
    feed(first, data, 0, 2 * MiB, MiB);
    await first.settle();
    await first.abandon();

    // Same identity, other content (rewritten in place): the root tells.
    const other = randomBytes(data.length);
    const second = await Landing.open(target, remote);
    second.begin(listOf(other));
    expect(second.restarted).toBe(true);
    expect(second.keptBytes).toBe(0);
    expect(second.missing()).toEqual([[0, data.length]]);
    await second.abandon();

    // Another identity: the record is not even trusted for the first request.
    const third = await Landing.open(target, { ...remote, identity: { ...remote.identity, mtimeMs: 99 } });
    expect(third.restarted).toBe(true);
    expect(third.guess()).toEqual([[0, data.length]]);
    await third.abandon();
  });

  it('refuses a chunk list that does not match its root, and bytes past the end', async () => {
    const landing = await Landing.open(target, remote);
    const list = listOf(data);
    const forged = { ...list, chunks: Buffer.from(list.chunks) };
    forged.chunks[40]! ^= 1;
    expect(() => landing.begin(forged)).toThrow(expect.objectContaining({ code: ErrorCode.ChecksumMismatch }));
    landing.begin(list);
    landing.add(data.length - 10, Buffer.alloc(11));
    await expect(landing.settle()).rejects.toMatchObject({ code: ErrorCode.TooLarge });
    await landing.abandon();
  });

  it('tells its sender when the backlog shrinks, with the backlog already smaller', async () => {
    const landing = await Landing.open(target, remote);
    landing.begin(listOf(data));
    const seen: number[] = [];
    landing.onDrain = () => seen.push(landing.backlogBytes);
    feed(landing, data, 0, data.length, MiB);
    expect(landing.backlogBytes).toBe(data.length);
    await landing.settle();
    // The last word is an empty backlog: a sender paused on it would otherwise never resume.
    expect(seen.at(-1)).toBe(0);
    await landing.finish();
  });

  it('lands an empty file', async () => {
    const landing = await Landing.open(target, { ...remote, size: 0, identity: { ...remote.identity, size: 0 } });
    expect(landing.guess()).toEqual([]);
    landing.begin(listOf(Buffer.alloc(0)));
    expect(landing.missing()).toEqual([]);
    await landing.finish();
    expect((await readFile(target.part)).length).toBe(0);
  });
});
