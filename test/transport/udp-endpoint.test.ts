// The server's UDP endpoint and the client driver at their edges: strangers
// get nothing, stalls end with clear errors, cancellation works.

import { createHash, randomBytes } from 'node:crypto';
import { type Socket, createSocket } from 'node:dgram';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fileSink, md5OfHandle } from '../helpers/file-sink.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { decodeUdp, encodeAck, encodeData } from '../../src/protocol/udp-packet.js';
import { UdpEndpoint, newSessionId } from '../../src/transport/udp-endpoint.js';
import { type UdpProgress, receiveFile } from '../../src/transport/udp-receiver.js';
import { normaliseAddress } from '../../src/transport/udp-sender.js';

let dir: string;
const cleanup: (() => Promise<unknown> | void)[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-udp-edge-'));
});
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

async function fixture(size = 256 * 1024): Promise<{ endpoint: UdpEndpoint; file: FileHandle; part: FileHandle; data: Buffer }> {
  const data = randomBytes(size);
  const name = join(dir, randomBytes(4).toString('hex'));
  await writeFile(name, data);
  const endpoint = await UdpEndpoint.bind({ host: '127.0.0.1' });
  const file = await open(name, 'r');
  const part = await open(name + '.part', 'w+');
  cleanup.push(
    () => endpoint.close(),
    () => file.close(),
    () => part.close(),
  );
  return { endpoint, file, part, data };
}

async function stranger(host = '127.0.0.1'): Promise<{ socket: Socket; received: Buffer[] }> {
  const socket = createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (m) => received.push(m));
  await new Promise<void>((r) => socket.bind(0, host, r));
  cleanup.push(() => new Promise<void>((r) => socket.close(() => r())));
  return { socket, received };
}

const hello = (sessionId: bigint) => encodeAck({ sessionId, largestPacket: -1, ackDelayMicros: 0, cumulative: 0, window: 1000, receiveBuffer: 0, ranges: [] });

describe('UDP endpoint', () => {
  it('drops packets for unknown sessions and never answers them', async () => {
    const { endpoint, file, data } = await fixture();
    const session = endpoint.openSession({ sessionId: newSessionId(), clientAddress: '127.0.0.1', file, size: data.length, chunkSize: 1000 });
    const s = await stranger();
    s.socket.send(hello(0x1234n), endpoint.port, '127.0.0.1');
    await until(() => endpoint.stats.unknownSession === 1, 'the drop to be counted');
    expect(session.stats.datagramsSent).toBe(0);
    expect(s.received).toEqual([]);
  });

  it('drops a valid session id from the wrong address, then from the wrong port once pinned', async () => {
    const { endpoint, file, part, data } = await fixture();
    const sessionId = newSessionId();
    const session = endpoint.openSession({ sessionId, clientAddress: '127.0.0.1', file, size: data.length, chunkSize: 1000 });
    const other = await stranger('127.0.0.2');
    other.socket.send(hello(BigInt('0x' + sessionId)), endpoint.port, '127.0.0.1');
    await until(() => endpoint.stats.wrongAddress === 1, 'the wrong address to be counted');
    expect(session.stats.datagramsSent).toBe(0);

    await receiveFile({ host: '127.0.0.1', port: session.port, sessionId, size: data.length, chunkSize: 1000, sink: fileSink(part) });
    expect(await md5OfHandle(part)).toBe(createHash('md5').update(data).digest('hex'));
    await session.done;

    const samePortless = await stranger();
    samePortless.socket.send(hello(BigInt('0x' + sessionId)), endpoint.port, '127.0.0.1');
    // The session is finished and gone, so this one counts as unknown; either way, no reply.
    await until(() => endpoint.stats.unknownSession + endpoint.stats.wrongAddress === 2, 'the late packet to be dropped');
    expect(other.received).toEqual([]);
    expect(samePortless.received).toEqual([]);
  });

  it('pins the client port: a second port on the right address is refused during the transfer', async () => {
    const { endpoint, file, data } = await fixture();
    const sessionId = BigInt('0x' + newSessionId());
    const session = endpoint.openSession({ sessionId, clientAddress: '127.0.0.1', file, size: data.length, chunkSize: 1000 });
    const first = await stranger();
    const second = await stranger();
    first.socket.send(hello(sessionId), endpoint.port, '127.0.0.1');
    await until(() => first.received.length > 0, 'data for the pinned client');
    second.socket.send(hello(sessionId), endpoint.port, '127.0.0.1');
    await until(() => endpoint.stats.wrongAddress === 1, 'the second port to be refused');
    expect(second.received).toEqual([]);
    session.close();
    await expect(session.done).rejects.toMatchObject({ code: ErrorCode.Cancelled });
  });

  it('counts corrupted, malformed and misdirected datagrams', async () => {
    const { endpoint, file, data } = await fixture();
    const sessionId = BigInt('0x' + newSessionId());
    endpoint.openSession({ sessionId, clientAddress: '127.0.0.1', file, size: data.length, chunkSize: 1000 });
    const s = await stranger();
    const bad = hello(sessionId);
    bad[20]! ^= 1;
    s.socket.send(bad, endpoint.port, '127.0.0.1');
    s.socket.send(Buffer.from('not ferry at all'), endpoint.port, '127.0.0.1');
    s.socket.send(encodeData(sessionId, 0, 0, Buffer.from('x')), endpoint.port, '127.0.0.1');
    await until(() => endpoint.stats.badChecksum === 1 && endpoint.stats.malformed === 1 && endpoint.stats.unexpected === 1, 'all three to be counted');
  });

  it('gives up with TIMEOUT when the client never shows up', async () => {
    const { endpoint, file, data } = await fixture();
    const session = endpoint.openSession({
      sessionId: newSessionId(),
      clientAddress: '127.0.0.1',
      file,
      size: data.length,
      chunkSize: 1000,
      idleTimeoutMs: 200,
    });
    await expect(session.done).rejects.toMatchObject({ code: ErrorCode.Timeout, message: expect.stringMatching(/no UDP packet from the client/) });
    expect(endpoint.sessionCount).toBe(0);
  });

  it('refuses a session id that is already open', async () => {
    const { endpoint, file, data } = await fixture();
    const sessionId = newSessionId();
    endpoint.openSession({ sessionId, clientAddress: '127.0.0.1', file, size: data.length, chunkSize: 1000 });
    expect(() => endpoint.openSession({ sessionId, clientAddress: '127.0.0.1', file, size: data.length, chunkSize: 1000 })).toThrow(/already in use/);
    expect(() => endpoint.openSession({ sessionId: 'nope', clientAddress: '127.0.0.1', file, size: 1, chunkSize: 1000 })).toThrow(/16 lower-case hex/);
    expect(() => endpoint.openSession({ sessionId: newSessionId(), clientAddress: '127.0.0.1', file, size: 1, chunkSize: 70_000 })).toThrow(/chunk size/);
  });
});

describe('UDP receiver driver', () => {
  it('fails with TIMEOUT when nothing answers', async () => {
    const { part } = await fixture(10);
    const silent = await stranger();
    const port = silent.socket.address().port;
    const t0 = Date.now();
    await expect(
      receiveFile({ host: '127.0.0.1', port, sessionId: newSessionId(), size: 100_000, chunkSize: 1000, sink: fileSink(part), idleTimeoutMs: 300 }),
    ).rejects.toMatchObject({
      code: ErrorCode.Timeout,
      message: expect.stringMatching(/no UDP data arrived/),
    });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(silent.received.length).toBeGreaterThan(1); // it kept asking (keepalive ACKs)
  });

  it('refuses a transfer shape UDP cannot carry before opening a socket', async () => {
    const { part } = await fixture(10);
    const base = { host: '127.0.0.1', port: 9, sessionId: newSessionId(), sink: fileSink(part) };
    await expect(receiveFile({ ...base, size: 10, chunkSize: 65_480 })).rejects.toMatchObject({
      code: ErrorCode.BadRequest,
      message: expect.stringMatching(/chunk size/),
    });
    await expect(receiveFile({ ...base, size: 1000, chunkSize: 100, startChunk: 11 })).rejects.toMatchObject({
      code: ErrorCode.BadRequest,
      message: expect.stringMatching(/start chunk/),
    });
  });

  it('stops with CANCELLED when the signal aborts', async () => {
    const { part } = await fixture(10);
    const silent = await stranger();
    const controller = new AbortController();
    const p = receiveFile({
      host: '127.0.0.1',
      port: silent.socket.address().port,
      sessionId: newSessionId(),
      size: 100_000,
      chunkSize: 1000,
      sink: fileSink(part),
      signal: controller.signal,
    });
    await until(() => silent.received.length > 0, 'the opening ACK');
    controller.abort();
    await expect(p).rejects.toMatchObject({ code: ErrorCode.Cancelled });
  });

  it('keeps re-acknowledging after it completes, so a lost final ACK cannot strand the server', async () => {
    const { part } = await fixture(10);
    const server = await stranger(); // plays the server by hand
    const id = 0x0badc0ffeen;
    const chunks = [Buffer.alloc(64, 'first chunk! '), Buffer.from('second')];
    const size = 64 + 6;
    const done = receiveFile({ host: '127.0.0.1', port: server.socket.address().port, sessionId: id, size, chunkSize: 64, sink: fileSink(part) });
    // The opening ACK tells us where the client is.
    const peer = await new Promise<{ port: number }>((resolve) => server.socket.once('message', (_m, rinfo) => resolve(rinfo)));
    const to = { port: peer.port, address: '127.0.0.1' };
    chunks.forEach((c, i) => server.socket.send(encodeData(id, i, i, c), to.port, to.address));
    await done;
    expect(await md5OfHandle(part)).toBe(createHash('md5').update(Buffer.concat(chunks)).digest('hex'));
    const answersTo2 = () => server.received.map((b) => decodeUdp(b)).find((d) => d.ok && d.packet.type === 'ack' && d.packet.largestPacket === 2);
    expect(answersTo2()).toBeUndefined();
    server.socket.send(encodeData(id, 2, 1, chunks[1]!), to.port, to.address); // a late retransmission
    await until(() => answersTo2() !== undefined, 'a fresh ACK for the late retransmission');
    expect(answersTo2()).toMatchObject({ ok: true, packet: { type: 'ack', cumulative: 2 } });
  });

  it('reports progress that only grows and ends at the total', async () => {
    const { endpoint, file, part, data } = await fixture(3 * 1024 * 1024);
    const sessionId = newSessionId();
    const session = endpoint.openSession({ sessionId, clientAddress: '127.0.0.1', file, size: data.length, chunkSize: 8192 });
    const seen: UdpProgress[] = [];
    const r = await receiveFile({
      host: '127.0.0.1',
      port: session.port,
      sessionId,
      size: data.length,
      chunkSize: 8192,
      sink: fileSink(part),
      onProgress: (p) => seen.push(p),
    });
    expect(await md5OfHandle(part)).toBe(createHash('md5').update(data).digest('hex'));
    expect(seen.length).toBeGreaterThan(0);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.bytes).toBeGreaterThanOrEqual(seen[i - 1]!.bytes);
    expect(seen.at(-1)).toMatchObject({ bytes: data.length, total: data.length });
    const server = await session.done;
    expect(server.stats.datagramsSent).toBe(r.stats.datagramsSent);
  });
});

describe('UDP endpoint, as the server handlers call it', () => {
  it('opens a session with a fresh id and reports stats when done', async () => {
    const { endpoint, file, part, data } = await fixture(200 * 1024);
    const controller = new AbortController();
    const s = await endpoint.open({ clientHost: '::ffff:127.0.0.1', file, size: data.length, startChunk: 0, chunkSize: 4096, signal: controller.signal });
    expect(s.sessionId).toMatch(/^[0-9a-f]{16}$/);
    expect(s.port).toBe(endpoint.port);
    await receiveFile({ host: '127.0.0.1', port: s.port, sessionId: s.sessionId, size: data.length, chunkSize: 4096, sink: fileSink(part) });
    expect(await md5OfHandle(part)).toBe(createHash('md5').update(data).digest('hex'));
    const stats = await s.done;
    // Each chunk once, plus any probe a busy machine provoked.
    expect(stats.datagramsSent - stats.datagramsRetransmitted).toBe(50);
    expect(stats.bytesSent).toBe(data.length + 50 * 28 + stats.datagramsRetransmitted * (4096 + 28));
    expect(stats.packetsLost).toBe(0);
  });

  it('ends the session when the request is cancelled', async () => {
    const { endpoint, file, data } = await fixture();
    const controller = new AbortController();
    const s = await endpoint.open({ clientHost: '127.0.0.1', file, size: data.length, startChunk: 0, chunkSize: 4096, signal: controller.signal });
    controller.abort();
    await expect(s.done).rejects.toMatchObject({ code: ErrorCode.Cancelled });
    expect(endpoint.sessionCount).toBe(0);
  });
});

describe('UDP endpoint on a dual-stack socket', () => {
  it.each([
    ['an IPv4 client', '127.0.0.1', '::ffff:127.0.0.1'],
    ['an IPv6 client', '::1', '::1'],
  ])('serves %s', async (_label, host, clientHost) => {
    const data = randomBytes(300_000);
    const name = join(dir, randomBytes(4).toString('hex'));
    await writeFile(name, data);
    const endpoint = await UdpEndpoint.bind({ type: 'udp6', host: '::' });
    const file = await open(name, 'r');
    const part = await open(name + '.part', 'w+');
    cleanup.push(
      () => endpoint.close(),
      () => file.close(),
      () => part.close(),
    );
    const s = await endpoint.open({ clientHost, file, size: data.length, startChunk: 0, chunkSize: 8192, signal: new AbortController().signal });
    await receiveFile({ host, port: s.port, sessionId: s.sessionId, size: data.length, chunkSize: 8192, sink: fileSink(part), idleTimeoutMs: 5000 });
    expect(await md5OfHandle(part)).toBe(createHash('md5').update(data).digest('hex'));
    await s.done;
  });
});

describe('normaliseAddress', () => {
  it('spells each address one way', () => {
    expect(normaliseAddress('::FFFF:127.0.0.1')).toBe('127.0.0.1');
    expect(normaliseAddress('[::1]')).toBe('::1');
    expect(normaliseAddress('[::ffff:10.0.0.2]')).toBe('10.0.0.2');
    expect(normaliseAddress('fe80::1')).toBe('fe80::1');
    expect(normaliseAddress('::ffff:1')).toBe('::ffff:1'); // not an IPv4-mapped address
  });
});
