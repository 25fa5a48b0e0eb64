// End to end over real loopback UDP sockets: server endpoint → seeded lossy
// relay → client receiver, into a temp part file, verified against the
// source's MD5 computed independently with node:crypto.

import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSink } from '../helpers/file-sink.js';
import { seededRandom, UdpRelay, type RelayOptions } from '../helpers/udp-relay.js';
import { UdpEndpoint, newSessionId } from '../../src/transport/udp-endpoint.js';
import { receiveFile, type ReceiveFileResult } from '../../src/transport/udp-receiver.js';
import type { UdpSendResult } from '../../src/transport/udp-sender.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-udp-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Deterministic pseudo-random content (so a failure can be reproduced). */
function content(size: number, seed: number): Buffer {
  const r = seededRandom(seed);
  const buf = Buffer.allocUnsafe(size);
  for (let i = 0; i + 4 <= size; i += 4) buf.writeUInt32LE((r() * 0x100000000) >>> 0, i);
  for (let i = size - (size % 4); i < size; i++) buf[i] = (r() * 256) | 0;
  return buf;
}

interface Run {
  client: ReceiveFileResult;
  server: UdpSendResult;
  relay: UdpRelay['counts'] | null;
  endpoint: UdpEndpoint['stats'];
  received: Buffer;
}

async function transfer(
  data: Buffer,
  chunkSize: number,
  impair: Omit<RelayOptions, 'target'> | null,
  extra: { startChunk?: number; prefix?: Buffer } = {},
): Promise<Run> {
  const name = `f-${randomBytes(4).toString('hex')}`;
  await writeFile(join(dir, name), data);
  const endpoint = await UdpEndpoint.bind({ host: '127.0.0.1' });
  const relay = impair ? await UdpRelay.start({ ...impair, target: { host: '127.0.0.1', port: endpoint.port } }) : null;
  const source = await open(join(dir, name), 'r');
  if (extra.prefix) await writeFile(join(dir, name + '.part'), extra.prefix);
  const part = await open(join(dir, name + '.part'), extra.prefix ? 'r+' : 'w+');
  try {
    const sessionId = newSessionId();
    const session = endpoint.openSession({ sessionId, clientAddress: '127.0.0.1', file: source, size: data.length, chunkSize, startChunk: extra.startChunk });
    const client = await receiveFile({
      host: '127.0.0.1',
      port: relay ? relay.port : session.port,
      sessionId,
      size: data.length,
      chunkSize,
      sink: fileSink(part),
      startChunk: extra.startChunk,
      idleTimeoutMs: 10_000,
    });
    const server = await session.done;
    const received = await readFile(join(dir, name + '.part'));
    return { client, server, relay: relay?.counts ?? null, endpoint: { ...endpoint.stats }, received };
  } finally {
    await part.close();
    await source.close();
    await relay?.close();
    await endpoint.close();
  }
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

function expectIntact(run: Run, data: Buffer): void {
  expect(md5(run.received)).toBe(md5(data));
  expect(run.received.length).toBe(data.length);
  expect(run.received.equals(data)).toBe(true);
}

// Real sockets share the machine with other test files: allow for a slow, busy CPU.
describe('UDP download end to end', { timeout: 30_000 }, () => {
  it('moves a file over clean loopback without declaring anything lost', async () => {
    const data = content(3 * 1024 * 1024 + 123, 1);
    const run = await transfer(data, 60 * 1024, null);
    expectIntact(run, data);
    const chunks = Math.ceil(data.length / (60 * 1024));
    // Nothing is lost on a clean path; a probe or two may fire if the machine is busy.
    expect(run.server.stats.packetsLost).toBe(0);
    expect(run.server.stats.datagramsRetransmitted).toBeLessThanOrEqual(2 * run.server.stats.probes);
    expect(run.client.stats.datagramsSent - run.client.stats.datagramsRetransmitted).toBe(chunks);
    expect(run.client.stats.datagramsSent).toBe(run.server.stats.datagramsSent);
  });

  it.each([
    ['5 %', 0.05, 11],
    ['20 %', 0.2, 12],
  ])('completes and verifies at %s loss with reordering and duplication', async (_label, loss, seed) => {
    const data = content(2 * 1024 * 1024 + 77, seed);
    const run = await transfer(data, 8 * 1024, { seed, drop: loss, reorder: 0.05, duplicate: 0.02, delay: 0.02, delayMs: 3 });
    expectIntact(run, data);
    const dropped = run.relay!.toClient.dropped;
    expect(dropped).toBeGreaterThan(0);
    expect(run.server.stats.datagramsRetransmitted).toBeGreaterThanOrEqual(1);
    // Retransmissions should repair drops, not flood: well under 2× what was dropped (plus probes).
    expect(run.server.stats.datagramsRetransmitted).toBeLessThan(2 * dropped + 20);
    expect(run.client.stats.lossPercent).toBeGreaterThan(0);
  });

  it('never lets a corrupted datagram reach the file', async () => {
    const data = content(1024 * 1024, 21);
    const run = await transfer(data, 4 * 1024, { seed: 21, corrupt: 0.1 });
    expectIntact(run, data);
    expect(run.relay!.toClient.corrupted).toBeGreaterThan(0);
    expect(run.client.stats.corrupt).toBeGreaterThan(0);
    expect(run.endpoint.badChecksum + run.endpoint.malformed + run.endpoint.unknownSession).toBeGreaterThan(0);
  });

  it('handles a size that is an exact multiple of the chunk size', async () => {
    const data = content(256 * 4096, 31);
    const run = await transfer(data, 4096, { seed: 31, drop: 0.05, reorder: 0.05 });
    expectIntact(run, data);
  });

  it('handles an empty file', async () => {
    const run = await transfer(Buffer.alloc(0), 60 * 1024, null);
    expect(run.received.length).toBe(0);
    expect(run.received.length).toBe(0);
  });

  it('handles more than 65,536 chunks', async () => {
    const data = content(70_000 * 64 + 10, 41);
    const run = await transfer(data, 64, { seed: 41, drop: 0.02, reorder: 0.02 });
    expectIntact(run, data);
    expect(run.client.stats.datagramsSent).toBeGreaterThan(70_000);
  }, 60_000);

  it('resumes from a held prefix and still reports the whole file MD5', async () => {
    const data = content(1024 * 1024 + 5, 51);
    const chunk = 16 * 1024;
    const run = await transfer(data, chunk, { seed: 51, drop: 0.05 }, { startChunk: 20, prefix: data.subarray(0, 20 * chunk) });
    expectIntact(run, data);
    expect(run.client.bytes).toBe(data.length - 20 * chunk);
    expect(run.client.stats.datagramsSent).toBeGreaterThanOrEqual(Math.ceil(data.length / chunk) - 20);
  });
});
