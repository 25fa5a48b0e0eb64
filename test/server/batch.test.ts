// The batch request on a real server: each file's bytes with the hashes of
// exactly those bytes, each failure that file's alone, every path confined,
// the limits enforced; and the in-order room that bounds what is read ahead.

import { createHash } from 'node:crypto';
import { symlink, utimes, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RpcConnection } from '../../src/client/rpc.js';
import { ChunkHasher } from '../../src/protocol/chunk-hash.js';
import { MAX_BATCH_FILE_BYTES } from '../../src/protocol/messages.js';
import { OrderedBytes } from '../../src/server/handlers/ordered-bytes.js';
import { codeOf, startTestServer, type TestServer } from '../helpers/server.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
function rootOf(b: Buffer): string {
  const h = new ChunkHasher(b.length);
  h.update(b);
  return h.finish().blake3;
}

let t: TestServer;
let rpc: RpcConnection;
const a = Buffer.from('alpha\n');
const b = Buffer.alloc(300_000, 7);
const largest = Buffer.alloc(MAX_BATCH_FILE_BYTES, 1);

beforeEach(async () => {
  t = await startTestServer({
    'a.txt': a,
    'sub/b.bin': b,
    'empty.txt': '',
    'largest.bin': largest,
    'big.bin': Buffer.alloc(MAX_BATCH_FILE_BYTES + 1),
    'dir/keep.txt': 'k',
  });
  await symlink(t.share.sentinel, t.share.abs('link-out'));
  rpc = await RpcConnection.open({ host: '127.0.0.1', port: t.server.port });
});

afterEach(async () => {
  await rpc.close();
  await t.close();
});

interface Got {
  header: Record<string, unknown>;
  payload: Buffer;
}

async function batch(paths: string[]): Promise<{ items: Got[]; reply: Record<string, unknown> }> {
  const items: Got[] = [];
  const reply = await rpc.request({ op: 'batch', paths }, { onItem: (header, payload) => items.push({ header, payload: Buffer.from(payload) }) });
  return { items, reply };
}

describe('batch', () => {
  it("answers each file in order with its bytes and the hashes of those bytes, and each failure as that file's own", async () => {
    const paths = ['a.txt', 'missing.txt', 'sub/b.bin', 'dir', '../outside/sentinel.txt', 'big.bin', 'link-out', 'empty.txt', '.ferry-upload-x', 'largest.bin'];
    const { items, reply } = await batch(paths);
    expect(items.map((i) => i.header.i)).toEqual(paths.map((_, i) => i));
    const ok = (i: number, data: Buffer) => {
      expect(items[i]!.header).toMatchObject({ i, size: data.length, md5: md5(data), blake3: rootOf(data) });
      expect(items[i]!.payload.equals(data)).toBe(true);
      expect(items[i]!.header.identity).toMatchObject({ size: data.length });
    };
    ok(0, a);
    ok(2, b);
    ok(7, Buffer.alloc(0));
    ok(9, largest);
    const code = (i: number) => (items[i]!.header.error as { code: string } | undefined)?.code;
    expect([1, 3, 4, 5, 6, 8].map(code)).toEqual(['NOT_FOUND', 'NOT_A_FILE', 'OUTSIDE_SHARE', 'TOO_LARGE', 'OUTSIDE_SHARE', 'NOT_FOUND']);
    for (const i of [1, 3, 4, 5, 6, 8]) expect(items[i]!.payload.length).toBe(0);
    // No failure names the server's own folders.
    for (const i of [1, 3, 4, 5, 6, 8]) expect(JSON.stringify(items[i]!.header)).not.toContain(t.share.root);
    expect(reply).toEqual({ files: 4, failed: 6, bytes: a.length + b.length + largest.length });
    await t.share.assertSentinelIntact();
  });

  it('sends the bytes it read and their hashes, not a stale index entry for a file rewritten in place', async () => {
    const before = (await rpc.request({ op: 'hash', path: 'a.txt', blake3: true })) as { md5: string };
    expect(before.md5).toBe(md5(a));
    const changed = Buffer.from('ALPHA\n');
    await writeFile(t.share.abs('a.txt'), changed);
    await utimes(t.share.abs('a.txt'), 1_700_000_000, 1_700_000_000); // the time it had
    const { items } = await batch(['a.txt']);
    expect(items[0]!.header).toMatchObject({ md5: md5(changed), blake3: rootOf(changed) });
    expect(items[0]!.payload.equals(changed)).toBe(true);
  });

  it('refuses a batch of more than 256 paths or none, and goes on serving the connection', async () => {
    expect(await codeOf(batch(Array.from({ length: 257 }, () => 'a.txt')))).toBe('BAD_REQUEST');
    expect(await codeOf(batch([]))).toBe('BAD_REQUEST');
    const { items } = await batch(Array.from({ length: 256 }, () => 'a.txt'));
    expect(items).toHaveLength(256);
    expect(items.every((i) => i.payload.equals(a))).toBe(true);
  });

  it('ends with CANCELLED when the client cancels it mid-way, and serves the next request', async () => {
    const controller = new AbortController();
    let seen = 0;
    const cut = rpc.request(
      { op: 'batch', paths: Array.from({ length: 256 }, () => 'largest.bin') },
      { signal: controller.signal, onItem: () => void (++seen === 2 && controller.abort()) },
    );
    expect(await codeOf(cut)).toBe('CANCELLED');
    const { items } = await batch(['a.txt']);
    expect(items[0]!.payload.equals(a)).toBe(true);
  });
});

describe('OrderedBytes', () => {
  it('gives room strictly in line, one item over the limit alone, and lets everyone go once closed', async () => {
    const room = new OrderedBytes(100);
    const got: string[] = [];
    const s1 = room.slot();
    const s2 = room.slot();
    const s3 = room.slot();
    const s4 = room.slot();
    // The later slot asks first but waits for the earlier ones.
    const p3 = s3.take(10).then(() => got.push('3'));
    const p1 = s1.take(80).then(() => got.push('1'));
    s2.pass();
    await Promise.all([p1, p3]);
    expect(got).toEqual(['1', '3']); // 80 + 10 fit
    const p4 = s4.take(20).then(() => got.push('4'));
    await Promise.resolve();
    expect(got).toEqual(['1', '3']); // 90 + 20 does not
    room.give(80);
    await p4;
    expect(got).toEqual(['1', '3', '4']);
    room.give(30);
    // Nothing held: an item larger than the limit still goes.
    await room.slot().take(500);
    const waiting = room.slot().take(1);
    room.close();
    await waiting;
  });
});
