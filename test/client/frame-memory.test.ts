import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BufferPool, DATA_PAYLOAD_OFFSET } from '../../src/client/buffer-pool.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { scratchDir } from '../helpers/scratch.js';
import { startTcpRelay } from '../helpers/tcp-relay.js';

const MiB = 1024 * 1024;
const SLOTS = 64;
const FRAME = DATA_PAYLOAD_OFFSET + MiB;

describe("a transfer's share of the frame pool", () => {
  it('gives back every slot it still holds when reclaimed', () => {
    const pool = new BufferPool();
    const mine = pool.lender();
    const a = mine.take(FRAME);
    mine.take(FRAME);
    mine.take(FRAME);
    mine.give(mine.keyOf(a));
    expect(mine.slotsOut).toBe(2);
    expect(pool.freeSlotCount).toBe(SLOTS - 2);
    mine.reclaim();
    expect(mine.slotsOut).toBe(0);
    expect(pool.freeSlotCount).toBe(SLOTS);
  });

  it('shares the slots between the transfers running at once', () => {
    const pool = new BufferPool();
    const a = pool.lender();
    expect(a.shareBytes).toBe(SLOTS * MiB);
    const b = pool.lender();
    const c = pool.lender();
    expect([a.shareBytes, b.shareBytes]).toEqual([21 * MiB, 21 * MiB]);
    c.retire();
    c.retire(); // once is enough
    expect(a.shareBytes).toBe(32 * MiB);
    b.retire();
    expect(a.shareBytes).toBe(SLOTS * MiB);
  });

  it("ignores a slot given back twice, or by a transfer that no longer owns it: it may be another transfer's frame by then", () => {
    const pool = new BufferPool();
    const first = pool.lender();
    const a = first.take(FRAME);
    first.reclaim();
    const second = pool.lender();
    const b = second.take(FRAME); // the same slot, now the second transfer's
    expect(b.byteOffset).toBe(a.byteOffset);
    first.give(first.keyOf(a)); // late: must not free the second's frame
    first.release(a);
    expect(pool.freeSlotCount).toBe(SLOTS - 1);
    const c = second.take(FRAME);
    expect(c.byteOffset).not.toBe(b.byteOffset);
    second.give(second.keyOf(c));
    second.give(second.keyOf(c)); // twice: one slot, listed once
    const d = pool.lender().take(FRAME);
    const e = pool.lender().take(FRAME);
    expect(d.byteOffset).not.toBe(e.byteOffset);
  });
});

describe('transfers give their frame slots back', () => {
  const big = randomBytes(12 * MiB + 777);
  const small = Array.from({ length: 6 }, () => randomBytes(200 * 1024)); // large enough for a slot each
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ 'big.bin': big, ...Object.fromEntries(small.map((b, i) => [`tree/s${i}.bin`, b])) });
  });
  afterAll(async () => t.close());

  it('a download cut mid-frame, again and again, loses none; a whole one neither', async () => {
    const relay = await startTcpRelay({ host: '127.0.0.1', port: t.server.port });
    const client = await t.connect({ noCache: true, port: relay.port });
    for (const cut of [2.5, 5.25, 9.5]) {
      relay.cutAfter = cut * MiB; // inside a DATA frame: its slot is part filled when the connection dies
      // A fresh folder each time: nothing to resume, so every attempt reaches its cut.
      await expect(client.download('big.bin', { dest: await scratchDir() })).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
      expect(client.frameSlotsFree).toBe(SLOTS);
    }
    relay.cutAfter = undefined;
    const dest = await scratchDir();
    const r = await client.download('big.bin', { dest });
    expect(r.verified).toBe(true);
    expect((await readFile(join(dest, 'big.bin'))).equals(big)).toBe(true);
    expect(client.frameSlotsFree).toBe(SLOTS);
    await relay.close();
  });

  it('a folder of files sent in batches (each file a frame of its own) loses none', async () => {
    const dest = await scratchDir();
    const client = await t.connect({ noCache: true });
    const r = await client.download('tree', { dest, recursive: true });
    expect(r.verified).toBe(true);
    for (const [i, b] of small.entries()) expect((await readFile(join(dest, 'tree', `s${i}.bin`))).equals(b)).toBe(true);
    expect(client.frameSlotsFree).toBe(SLOTS);
  });
});
