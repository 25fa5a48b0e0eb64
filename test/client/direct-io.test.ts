import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, open, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { BufferPool, DATA_PAYLOAD_OFFSET } from '../../src/client/buffer-pool.js';
import { directable, openDirect, PAGE_BYTES } from '../../src/client/landing/direct-io.js';
import { type ChunkList, Landing } from '../../src/client/landing/landing.js';
import { readRecord } from '../../src/client/landing/record.js';
import { DIRECT_HOLD_MS, type Piece, PositionalWriter } from '../../src/client/landing/writer.js';
import { ChunkHasher } from '../../src/protocol/chunk-hash.js';
import { scratchDir } from '../helpers/scratch.js';

const MiB = 1024 * 1024;

/** A DATA frame's body from the pool, its payload filled with `payload`. */
function frame(pool: BufferPool, payload: Buffer): Buffer {
  const body = pool.take(DATA_PAYLOAD_OFFSET + payload.length);
  payload.copy(body, DATA_PAYLOAD_OFFSET);
  return body;
}

/** `handle`, with every writev it is asked for counted (and, with `refuse`, refused like a file system without O_DIRECT). */
function counted(handle: FileHandle, refuse = false): { handle: FileHandle; writes: number } {
  const out = { handle, writes: 0 };
  out.handle = new Proxy(handle, {
    get(target, key) {
      if (key === 'writev') {
        return (buffers: Buffer[], position: number) => {
          out.writes++;
          if (refuse) return Promise.reject(Object.assign(new Error('EINVAL: invalid argument, write'), { code: 'EINVAL' }));
          return target.writev(buffers, position);
        };
      }
      const v = Reflect.get(target, key) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return out;
}

async function writeAllOf(file: FileHandle, direct: FileHandle | undefined, pieces: Piece[]): Promise<PositionalWriter> {
  const errors: unknown[] = [];
  const writer = new PositionalWriter(
    file,
    () => {},
    (err) => errors.push(err),
  );
  writer.direct = direct;
  for (const p of pieces) writer.add(p);
  await writer.settle();
  expect(errors).toEqual([]);
  return writer;
}

describe('frame memory for O_DIRECT', () => {
  it("puts a DATA frame's payload on a page boundary, and only whole pages at page positions qualify", () => {
    const pool = new BufferPool();
    const payload = frame(pool, randomBytes(MiB)).subarray(DATA_PAYLOAD_OFFSET);
    expect(directable(0, payload)).toBe(true);
    expect(directable(MiB, payload.subarray(0, 3 * PAGE_BYTES))).toBe(true);
    expect(directable(100, payload)).toBe(false); // position not on a page
    expect(directable(0, payload.subarray(0, 1000))).toBe(false); // not whole pages
    expect(directable(0, payload.subarray(10, 10 + PAGE_BYTES))).toBe(false); // memory not on a page
    expect(directable(0, Buffer.alloc(MiB))).toBe(false); // ordinary memory: alignment unknown
  });

  it('gives a slot back under the key of any piece of it, and reuses it', () => {
    const pool = new BufferPool();
    const a = pool.take(DATA_PAYLOAD_OFFSET + MiB);
    const b = pool.take(DATA_PAYLOAD_OFFSET + MiB);
    expect(pool.keyOf(a)).not.toBe(pool.keyOf(b));
    expect(pool.keyOf(a.subarray(MiB - 10))).toBe(pool.keyOf(a));
    pool.give(pool.keyOf(a));
    const c = pool.take(DATA_PAYLOAD_OFFSET + MiB);
    expect(c.buffer).toBe(a.buffer);
    expect(c.byteOffset).toBe(a.byteOffset);
  });
});

describe('frame slots are bounded', () => {
  it('hands out plain memory (written through the page cache) once every slot is in use, and takes released slots again', () => {
    const pool = new BufferPool();
    const taken: Buffer[] = [];
    for (;;) {
      const body = pool.take(DATA_PAYLOAD_OFFSET + MiB);
      if (!directable(0, body.subarray(DATA_PAYLOAD_OFFSET))) break;
      taken.push(body);
      expect(taken.length).toBeLessThanOrEqual(64);
    }
    expect(taken.length).toBe(64); // 64 MiB at most, however many transfers run
    pool.release(taken[10]!.subarray(100, 200)); // any view of the slot gives it back
    pool.release(Buffer.alloc(100)); // not a slot: nothing happens
    expect(directable(0, pool.take(DATA_PAYLOAD_OFFSET + MiB).subarray(DATA_PAYLOAD_OFFSET))).toBe(true);
    expect(directable(0, pool.take(DATA_PAYLOAD_OFFSET + MiB).subarray(DATA_PAYLOAD_OFFSET))).toBe(false);
  });
});

describe('PositionalWriter with an O_DIRECT handle', () => {
  it('writes whole pages directly and the rest through the page cache, and the file has every byte', async (t) => {
    const dir = await scratchDir();
    const part = path.join(dir, 'file.part');
    const file = await open(part, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
    const direct = await openDirect(file);
    if (!direct) {
      await file.close();
      return t.skip(); // no O_DIRECT where the tests run (another OS, or a file system without it)
    }
    const pool = new BufferPool();
    const content = randomBytes(2 * MiB + 1234);
    const first = frame(pool, content.subarray(0, MiB)).subarray(DATA_PAYLOAD_OFFSET);
    const second = frame(pool, content.subarray(MiB, 2 * MiB)).subarray(DATA_PAYLOAD_OFFSET);
    const tail = frame(pool, content.subarray(2 * MiB)).subarray(DATA_PAYLOAD_OFFSET);
    const spy = counted(direct);
    const buffered = counted(file);
    const writer = await writeAllOf(buffered.handle, spy.handle, [
      { position: 2 * MiB, data: tail },
      { position: MiB, data: second },
      { position: 0, data: first },
    ]);
    expect(spy.writes).toBe(1); // the two whole MiB, adjacent: one writev
    expect(buffered.writes).toBe(1); // the tail, not whole pages
    expect(writer.direct).toBe(spy.handle);
    await direct.close();
    await file.close();
    expect((await readFile(part)).equals(content)).toBe(true);
  });

  it('gathers O_DIRECT runs until they are long, keeps two writes in flight, and writes the rest when told to settle', async (t) => {
    const dir = await scratchDir();
    const part = path.join(dir, 'file.part');
    const file = await open(part, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
    const direct = await openDirect(file);
    if (!direct) {
      await file.close();
      return t.skip();
    }
    // Every O_DIRECT writev waits for the test to let it go.
    const gates: { bytes: number; go: () => void }[] = [];
    const gated = new Proxy(direct, {
      get(target, key) {
        if (key === 'writev') {
          return async (buffers: Buffer[], position: number) => {
            await new Promise<void>((go) => gates.push({ bytes: buffers.reduce((n, b) => n + b.length, 0), go }));
            return target.writev(buffers, position);
          };
        }
        const v = Reflect.get(target, key) as unknown;
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const pool = new BufferPool();
    const content = randomBytes(41 * MiB);
    const written: number[] = [];
    let clock = 0; // the time only moves when the test says so
    const writer = new PositionalWriter(
      file,
      (run) => written.push(run.length),
      (err) => {
        throw err;
      },
      () => clock,
    );
    writer.direct = gated;
    const add = (from: number, to: number) => {
      for (let m = from; m < to; m++)
        writer.add({ position: m * MiB, data: frame(pool, content.subarray(m * MiB, (m + 1) * MiB)).subarray(DATA_PAYLOAD_OFFSET) });
    };
    add(0, 5);
    expect(writer.flush()).toBe(false); // 5 MiB: not yet worth a write
    add(5, 8);
    expect(writer.flush()).toBe(true); // 8 MiB: one write
    expect(gates.map((g) => g.bytes)).toEqual([8 * MiB]);
    add(8, 40); // 32 MiB more: two runs of 16 MiB, one of them waits for a place
    writer.flush();
    expect(gates.map((g) => g.bytes)).toEqual([8 * MiB, 16 * MiB]);
    gates[0]!.go();
    await expect.poll(() => gates.length).toBe(3); // the first done: the waiting run starts
    expect(gates[2]!.bytes).toBe(16 * MiB);
    add(40, 41); // 1 MiB, short: left for settle, or until it has waited DIRECT_HOLD_MS
    writer.flush();
    expect(gates.length).toBe(3);
    clock += DIRECT_HOLD_MS; // a slow link: the piece has waited long enough
    writer.flush();
    expect(gates.length).toBe(3); // but two writes are under way already
    const settled = writer.settle();
    for (let k = 1; k < 4; k++) {
      await expect.poll(() => gates.length).toBeGreaterThan(k);
      gates[k]!.go();
    }
    await settled;
    expect(gates.map((g) => g.bytes)).toEqual([8 * MiB, 16 * MiB, 16 * MiB, MiB]);
    expect(written.length).toBe(4);
    await direct.close();
    await file.close();
    expect((await readFile(part)).equals(content)).toBe(true);
  });

  it('writes a short O_DIRECT run once it has waited DIRECT_HOLD_MS: over a slow link, bytes are not held for seconds', async (t) => {
    const dir = await scratchDir();
    const part = path.join(dir, 'file.part');
    const file = await open(part, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
    const direct = await openDirect(file);
    if (!direct) {
      await file.close();
      return t.skip();
    }
    const spy = counted(direct);
    let clock = 0;
    const writer = new PositionalWriter(
      file,
      () => {},
      (err) => {
        throw err;
      },
      () => clock,
    );
    writer.direct = spy.handle;
    const pool = new BufferPool();
    const content = randomBytes(2 * MiB);
    writer.add({ position: 0, data: frame(pool, content.subarray(0, MiB)).subarray(DATA_PAYLOAD_OFFSET) });
    expect(writer.flush()).toBe(false);
    clock += DIRECT_HOLD_MS - 1;
    writer.add({ position: MiB, data: frame(pool, content.subarray(MiB)).subarray(DATA_PAYLOAD_OFFSET) });
    expect(writer.flush()).toBe(false); // the first piece has not waited long enough yet
    clock += 1;
    expect(writer.flush()).toBe(true); // now both go, in one write
    await writer.settle();
    expect(spy.writes).toBe(1);
    await direct.close();
    await file.close();
    expect((await readFile(part)).equals(content)).toBe(true);
  });

  it('falls back to the page cache for good when the file system refuses O_DIRECT writes', async () => {
    const dir = await scratchDir();
    const part = path.join(dir, 'file.part');
    const file = await open(part, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
    const pool = new BufferPool();
    const content = randomBytes(2 * MiB);
    const refusing = counted(file, true);
    const writer = await writeAllOf(file, refusing.handle, [{ position: 0, data: frame(pool, content.subarray(0, MiB)).subarray(DATA_PAYLOAD_OFFSET) }]);
    expect(refusing.writes).toBe(1);
    expect(writer.direct).toBeUndefined();
    writer.add({ position: MiB, data: frame(pool, content.subarray(MiB)).subarray(DATA_PAYLOAD_OFFSET) });
    await writer.settle();
    expect(refusing.writes).toBe(1); // not asked again
    await file.close();
    expect((await readFile(part)).equals(content)).toBe(true);
  });
});

describe('a large landing (O_DIRECT where the file system has it)', () => {
  function listOf(bytes: Buffer): ChunkList {
    const h = new ChunkHasher(bytes.length);
    h.update(bytes);
    return h.finish();
  }

  it('flushes nothing behind bytes written with O_DIRECT; the fsync before the rename is the one flush', async (t) => {
    const dir = await scratchDir();
    const probe = await open(path.join(dir, 'probe'), constants.O_RDWR | constants.O_CREAT, 0o600);
    const direct = await openDirect(probe);
    const handleType = Object.getPrototypeOf(probe) as FileHandle;
    await direct?.close();
    await probe.close();
    if (!direct) return t.skip(); // no O_DIRECT here: everything goes through the page cache, flushed behind as before
    const datasync = vi.spyOn(handleType, 'datasync');
    const sync = vi.spyOn(handleType, 'sync');
    try {
      const target = { part: path.join(dir, '.f.ferry-part'), sidecar: path.join(dir, '.f.ferry-part.json') };
      const data = randomBytes(40 * MiB); // past the 32 MiB after which the page cache's bytes are flushed behind
      const remote = { server: 's:1', path: 'f', size: data.length, identity: { size: data.length, mtimeMs: 1, ino: 2, dev: 3 } };
      const pool = new BufferPool();
      const landing = await Landing.open(target, remote);
      landing.begin(listOf(data));
      await landing.ready;
      for (let at = 0; at < data.length; at += MiB) {
        landing.add(at, frame(pool, data.subarray(at, at + MiB)).subarray(DATA_PAYLOAD_OFFSET));
        await landing.settle(); // frame by frame, as a slow network would bring them
      }
      await landing.finish();
      expect(datasync).not.toHaveBeenCalled();
      expect(sync).toHaveBeenCalledTimes(1);
      expect((await readFile(target.part)).equals(data)).toBe(true);
    } finally {
      datasync.mockRestore();
      sync.mockRestore();
    }
  });

  it('resumes: new chunks land while the kept ones are read back and checked, and a chunk damaged between runs is found', async () => {
    const dir = await scratchDir();
    const target = { part: path.join(dir, '.f.ferry-part'), sidecar: path.join(dir, '.f.ferry-part.json') };
    const data = randomBytes(10 * MiB + 5000); // past the size for O_DIRECT, the last chunk short
    const remote = { server: 's:1', path: 'f', size: data.length, identity: { size: data.length, mtimeMs: 1, ino: 2, dev: 3 } };
    const pool = new BufferPool();
    const feed = (landing: Landing, from: number, to: number) => {
      for (let at = from; at < to; at += MiB) landing.add(at, frame(pool, data.subarray(at, Math.min(to, at + MiB))).subarray(DATA_PAYLOAD_OFFSET));
    };

    const first = await Landing.open(target, remote);
    first.begin(listOf(data));
    await first.ready;
    feed(first, 0, 6 * MiB); // six chunks, then the connection is lost
    await first.settle();
    await first.abandon();
    expect((await readRecord(target.sidecar))?.verified).toEqual([[0, 6]]);

    const part = await readFile(target.part);
    part[2 * MiB + 9]! ^= 0x01; // chunk 2 rots on disk
    await writeFile(target.part, part);

    const second = await Landing.open(target, remote);
    expect(second.guess()).toEqual([[6 * MiB, data.length]]);
    second.begin(listOf(data));
    await second.ready; // does not wait for the kept chunks to be checked
    feed(second, 6 * MiB, data.length);
    await second.settle();
    expect(second.keptBytes).toBe(5 * MiB);
    expect(second.missing()).toEqual([[2 * MiB, 3 * MiB]]);
    feed(second, 2 * MiB, 3 * MiB);
    await second.settle();
    expect(second.missing()).toEqual([]);
    await second.finish();
    expect((await readFile(target.part)).equals(data)).toBe(true);
  });
});
