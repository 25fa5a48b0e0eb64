// UDP downloads end to end: the session opened over TCP, the bytes over UDP,
// with the same guarantees as TCP (verified, atomic, cached, resumable).

import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratchDir } from '../helpers/scratch.js';
import { DATA_HEADER_BYTES, LOOPBACK_CHUNK_BYTES } from '../../src/protocol/udp-packet.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const MiB = 1024 * 1024;
const big = randomBytes(12 * MiB + 123);
const exact = randomBytes(60 * 1024 * 20); // an exact multiple of the loopback chunk size
// Large enough that the receiver's first progress report (after 100 ms) comes mid-transfer.
const huge = randomBytes(96 * MiB);

let t: TestServer;
let dest: string;
beforeEach(async () => {
  t = await startTestServer({ 'big.bin': big, 'exact.bin': exact, 'empty.bin': '' });
  dest = await scratchDir('ferry-dest-');
});
afterEach(() => t.close());

describe('UDP download', () => {
  it('delivers verified bytes and reports datagram statistics', async () => {
    const client = await t.connect({ noCache: true });
    expect(client.info.features).toContain('udp');
    const r = await client.download('big.bin', { dest, transport: 'udp' });
    expect(md5(await readFile(join(dest, 'big.bin')))).toBe(md5(big));
    expect(r).toMatchObject({ transport: 'udp', verified: true, md5: md5(big), bytes: big.length, cache: 'bypass' });
    expect(r.udp!.datagramsSent).toBeGreaterThanOrEqual(Math.ceil(big.length / r.udp!.datagramBytes));
    expect(r.udp!.lossPercent).toBeGreaterThanOrEqual(0);
    expect(await readdir(dest)).toEqual(['big.bin']);
  });

  it('uses the datagram size the caller asks for instead of the loopback default', async () => {
    const client = await t.connect({ noCache: true });
    const chosen = await client.download('big.bin', { dest, transport: 'udp', chunkSize: 1400 });
    expect(md5(await readFile(join(dest, 'big.bin')))).toBe(md5(big));
    expect(chosen.udp!.datagramBytes).toBe(1400 + DATA_HEADER_BYTES);
    expect(chosen.udp!.datagramsSent).toBeGreaterThanOrEqual(Math.ceil(big.length / 1400));
    const other = await scratchDir('ferry-dest-');
    const usual = await client.download('big.bin', { dest: other, transport: 'udp' });
    expect(usual.udp!.datagramBytes).toBe(LOOPBACK_CHUNK_BYTES + DATA_HEADER_BYTES);
  });

  it('handles an exact multiple of the chunk size and an empty file', async () => {
    const client = await t.connect({ noCache: true });
    await client.download('exact.bin', { dest, transport: 'udp' });
    expect(md5(await readFile(join(dest, 'exact.bin')))).toBe(md5(exact));
    const r = await client.download('empty.bin', { dest, transport: 'udp' });
    expect(r.md5).toBe(md5(Buffer.alloc(0)));
  });

  it('goes through the cache: the second download is a hit with nothing sent', async () => {
    const client = await t.connect();
    expect((await client.download('exact.bin', { dest, transport: 'udp' })).cache).toBe('miss');
    const sent = t.server.counters.bytesSent;
    const r = await client.download('exact.bin', { dest: await scratchDir('ferry-dest-'), transport: 'udp' });
    expect(r.cache).toBe('hit');
    expect(t.server.counters.bytesSent).toBe(sent);
  });

  it('resumes an interrupted UDP download and verifies', async () => {
    await t.share.write({ 'huge.bin': huge });
    const client = await t.connect({ noCache: true });
    const controller = new AbortController();
    await expect(
      client.download('huge.bin', {
        dest,
        transport: 'udp',
        signal: controller.signal,
        onProgress: (p) => p.bytes > 0 && p.bytes < p.total && controller.abort(),
      }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await readdir(dest)).not.toContain('huge.bin');
    const r = await client.download('huge.bin', { dest, transport: 'udp' });
    expect(r.resumedFrom).toBeGreaterThan(0);
    expect(md5(await readFile(join(dest, 'huge.bin')))).toBe(md5(huge));
  });

  it('resumes a download cut over UDP over TCP, and one cut over TCP over UDP', async () => {
    await t.share.write({ 'huge.bin': huge });
    const client = await t.connect({ noCache: true });
    for (const [first, then] of [
      ['udp', 'tcp'],
      ['tcp', 'udp'],
    ] as const) {
      const controller = new AbortController();
      await expect(
        client.download('huge.bin', {
          dest,
          transport: first,
          signal: controller.signal,
          onProgress: (p) => p.bytes > p.total / 4 && p.bytes < p.total && controller.abort(),
        }),
      ).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(await readdir(dest)).not.toContain('huge.bin');
      const sentBefore = t.server.counters.bytesSent;
      const r = await client.download('huge.bin', { dest, transport: then });
      expect(r).toMatchObject({ verified: true, transport: then, md5: md5(huge) });
      // Only what was missing crossed again (UDP resends from the first missing chunk on).
      expect(r.resumedFrom).toBeGreaterThan(huge.length / 8);
      expect(t.server.counters.bytesSent - sentBefore).toBeLessThan(huge.length - r.resumedFrom! + 2 * MiB);
      expect((await readFile(join(dest, 'huge.bin'))).equals(huge)).toBe(true);
      await rm(join(dest, 'huge.bin'));
    }
  });

  it('repairs a .part damaged between runs when it resumes over UDP: the chunk that fails its check is fetched again', async () => {
    await t.share.write({ 'huge.bin': huge });
    const client = await t.connect({ noCache: true });
    const controller = new AbortController();
    await expect(
      client.download('huge.bin', {
        dest,
        transport: 'udp',
        signal: controller.signal,
        onProgress: (p) => p.bytes > p.total / 4 && p.bytes < p.total && controller.abort(),
      }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    // Between runs, a bit of chunk 1 (kept by any cut past a quarter) rots on disk.
    const partFile = join(dest, '.huge.bin.ferry-part');
    const part = await readFile(partFile);
    const whole = Math.floor(Math.min(part.length, huge.length) / MiB) * MiB;
    part[MiB + 7]! ^= 0x40;
    await writeFile(partFile, part);
    const r = await client.download('huge.bin', { dest, transport: 'udp' });
    expect(r).toMatchObject({ verified: true, transport: 'udp', md5: md5(huge) });
    expect(r.resumedFrom).toBeGreaterThan(0);
    expect(r.resumedFrom).toBeLessThanOrEqual(whole - MiB); // chunk 1 was not kept
    expect(r.transferred).toBeGreaterThanOrEqual(huge.length - r.resumedFrom!);
    expect((await readFile(join(dest, 'huge.bin'))).equals(huge)).toBe(true);
  });

  it('refuses when the server offers no UDP', async () => {
    const tcpOnly = await startTestServer({ 'a.bin': 'a' }, { udp: false });
    const client = await tcpOnly.connect({ noCache: true });
    await expect(client.download('a.bin', { dest, transport: 'udp' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await tcpOnly.close();
  });
});
