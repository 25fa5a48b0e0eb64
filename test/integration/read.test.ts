// `read`: a byte range of a file for viewing. Only the range is read and sent,
// nothing is hashed, so the end of a 10 GB (sparse) file costs a few KiB.

import { open } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FerryClient } from '../../src/client/client.js';
import { BLOCK_BYTES, FileWindow } from '../../src/tui/viewer/file-window.js';
import { codeOf, startTestServer, waitFor, type TestServer } from '../helpers/server.js';

const BIG = 10 * 1024 ** 3;
const TAIL = `${Array.from({ length: 150 }, (_, i) => `tail line ${i}\n`).join('')}second to last line\nthe very last line\n`;

let t: TestServer;
let client: FerryClient;
beforeAll(async () => {
  t = await startTestServer({ 'a.txt': 'hello\nworld\n', 'dir/': {} });
  // A 10 GiB file that takes no disk: a hole, then a little text at the end.
  const fh = await open(t.share.abs('big.log'), 'w');
  await fh.truncate(BIG - TAIL.length);
  await fh.write(TAIL, BIG - TAIL.length);
  await fh.close();
  client = await t.connect({ noCache: true });
});
afterAll(() => t.close());

/** Bytes the server logged as sent for `read` requests (the command log counts what went out). */
async function readBytesLogged(expected: number): Promise<number> {
  const records = await waitFor(async () => {
    const r = (await client.logs({ limit: 1000 })).filter((x) => x.command === 'read' && x.outcome === 'ok');
    return r.length >= expected ? r : undefined;
  }, `${expected} read records`);
  return records.reduce((n, r) => n + r.bytes, 0);
}

describe('read', () => {
  it('reads a range of a small file', async () => {
    const r = await client.read('a.txt', { offset: 6, count: 100 });
    expect(r.bytes.toString()).toBe('world\n');
    expect(r).toMatchObject({ offset: 6, size: 12 });
  });

  it('answers no bytes past the end, with the size as it is now', async () => {
    const r = await client.read('a.txt', { offset: 50, count: 10 });
    expect(r.bytes.length).toBe(0);
    expect(r.size).toBe(12);
  });

  it('reads the end of a 10 GiB file without reading (or hashing) the rest', async () => {
    const before = t.server.hashIndex.stats.bytesHashed;
    const r = await client.read('big.log', { offset: BIG - 4096, count: 4096 });
    expect(r.size).toBe(BIG);
    expect(r.bytes.length).toBe(4096);
    expect(r.bytes.subarray(-TAIL.length).toString()).toBe(TAIL);
    const head = await client.read('big.log', { offset: 0, count: 16 });
    expect(head.bytes).toEqual(Buffer.alloc(16));
    // Only the bytes asked for went out (4096 + 16 + the 6 bytes of a.txt), and nothing was hashed.
    expect(await readBytesLogged(4)).toBe(6 + 4096 + 16);
    expect(t.server.hashIndex.stats.bytesHashed).toBe(before);
  });

  it("the viewer's window shows the end of the 10 GiB file reading one block at its end, and the top without the end", async () => {
    const before = (await client.logs({ limit: 1000 })).filter((r) => r.command === 'read').length;
    const win = new FileWindow((offset, count) => client.read('big.log', { offset, count }), BIG);
    const top = await win.endTop(30);
    const rows = await win.textRows(top, 30);
    expect(rows.map((r) => r.bytes.toString()).slice(-2)).toEqual(['second to last line', 'the very last line']);
    expect(rows).toHaveLength(30);
    // The server counted what it sent: one block, from the file's last 64 KiB.
    const records = await waitFor(async () => {
      const r = (await client.logs({ limit: 1000 })).filter((x) => x.command === 'read');
      return r.length > before ? r.slice(before) : undefined;
    }, 'the read records');
    expect(records.reduce((n, r) => n + r.bytes, 0)).toBe(win.bytesRead);
    expect(win.bytesRead).toBeLessThanOrEqual(BLOCK_BYTES);
    for (const r of records) expect(Number(r.args.offset)).toBeGreaterThanOrEqual(BIG - BLOCK_BYTES);
    // From the top, scrolling down a page never reads the end.
    const fresh = new FileWindow((offset, count) => client.read('big.log', { offset, count }), BIG);
    await fresh.down(0, 30, 30);
    expect(fresh.bytesRead).toBeLessThanOrEqual(BLOCK_BYTES * 8);
    expect(t.server.hashIndex.stats.bytesHashed).toBe(0);
  });

  it('caps a read at 1 MiB and refuses a bad range or a folder', async () => {
    const r = await client.read('big.log', { offset: 0, count: 50 * 1024 * 1024 });
    expect(r.bytes.length).toBe(1024 * 1024);
    const rpc = await client.rpc();
    expect(await codeOf(rpc.request({ op: 'read', path: 'a.txt', offset: 0, count: 2 * 1024 * 1024 }))).toBe('BAD_REQUEST');
    expect(await codeOf(rpc.request({ op: 'read', path: 'a.txt', offset: -1, count: 1 }))).toBe('BAD_REQUEST');
    expect(await codeOf(rpc.request({ op: 'read', path: 'a.txt', offset: 0.5, count: 1 }))).toBe('BAD_REQUEST');
    expect(await codeOf(client.read('dir'))).toBe('NOT_A_FILE');
    expect(await codeOf(client.read('../outside/sentinel.txt'))).toBe('OUTSIDE_SHARE');
  });
});
