// UDP downloads keyed from a TLS session: both ends derive the MAC key with
// udpKeyFrom over a real TLS connection, the datagrams cross the lossy,
// corrupting relay, and datagrams made without the key are dropped and counted
// on both sides.

import { createHash, randomBytes } from 'node:crypto';
import { type Socket, createSocket } from 'node:dgram';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fileSink, md5OfHandle } from '../helpers/file-sink.js';
import { MAC_BYTES, decodeUdp, encodeAck, encodeData } from '../../src/protocol/udp-packet.js';
import { loadOrCreateServerIdentity, tlsConnect, tlsServerOptions, udpKeyFrom } from '../../src/transport/tls.js';
import { UdpEndpoint, newSessionId } from '../../src/transport/udp-endpoint.js';
import { receiveFile } from '../../src/transport/udp-receiver.js';
import { UdpRelay, seededRandom } from '../helpers/udp-relay.js';

let dir: string;
let keys: (sessionId: string) => { server: Buffer; client: Buffer };
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-tls-udp-'));
  const identity = await loadOrCreateServerIdentity(join(dir, 'id'));
  let serverSide!: TLSSocket;
  const accepted = new Promise<void>((resolve) => {
    const server = createServer(tlsServerOptions(identity), (s) => {
      serverSide = s;
      s.on('error', () => {});
      resolve();
    });
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      cleanups.push(() => new Promise((r) => server.close(r)));
      connected = tlsConnect({ host: '127.0.0.1', port, fingerprint: identity.fingerprint, knownServersFile: join(dir, 'known') });
    });
  });
  let connected!: Promise<{ socket: TLSSocket }>;
  await accepted;
  const { socket } = await connected;
  // Before the server closes: it waits for its connections.
  cleanups.push(() => {
    socket.destroy();
    serverSide.destroy();
  });
  keys = (id) => ({ server: udpKeyFrom(serverSide, id), client: udpKeyFrom(socket, id) });
});
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await rm(dir, { recursive: true, force: true });
});
const perTest: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of perTest.splice(0).reverse()) await c();
});

function content(size: number, seed: number): Buffer {
  const r = seededRandom(seed);
  const buf = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) buf[i] = (r() * 256) | 0;
  return buf;
}
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

async function files(data: Buffer) {
  const name = join(dir, `f-${randomBytes(4).toString('hex')}`);
  await writeFile(name, data);
  const source = await open(name, 'r');
  const part = await open(name + '.part', 'w+');
  perTest.push(
    () => source.close(),
    () => part.close(),
  );
  return { source, part, partName: name + '.part' };
}

/**
 * A pass-through between the client and `target` that, before the first
 * copy of each DATA reaches the client, sends it a forgery: same header,
 * garbage payload, a valid CRC, and a tag made with the wrong key. Were tags
 * not checked, the garbage would land in the file first.
 */
async function forgingProxy(target: number): Promise<{ port: number; forged: () => number }> {
  const front = createSocket('udp4');
  const back = createSocket('udp4');
  await new Promise<void>((r) => front.bind(0, '127.0.0.1', r));
  await new Promise<void>((r) => back.connect(target, '127.0.0.1', r));
  perTest.push(() => Promise.all([front, back].map((s) => new Promise<void>((r) => s.close(() => r())))));
  let client: { port: number; address: string } | null = null;
  const done = new Set<number>();
  const wrongKey = randomBytes(32);
  let forged = 0;
  front.on('message', (m, rinfo) => {
    client = rinfo;
    back.send(m);
  });
  back.on('message', (m) => {
    if (!client) return;
    const d = decodeUdp(m.subarray(0, m.length - MAC_BYTES)); // read it, ignoring the tag
    if (d.ok && d.packet.type === 'data' && !done.has(d.packet.chunk)) {
      done.add(d.packet.chunk);
      const fake = encodeData(d.packet.sessionId, d.packet.packetNumber, d.packet.chunk, Buffer.alloc(d.packet.payload.length, 0xee), wrongKey);
      front.send(fake, client.port, client.address);
      forged++;
    }
    front.send(m, client.port, client.address);
  });
  return { port: front.address().port, forged: () => forged };
}

describe('keyed UDP downloads', { timeout: 30_000 }, () => {
  it('arrive intact through loss and corruption, and drop every forged DATA', async () => {
    const data = content(512 * 1024 + 99, 61);
    const { source, part, partName } = await files(data);
    const endpoint = await UdpEndpoint.bind({ host: '127.0.0.1' });
    perTest.push(() => endpoint.close());
    const relay = await UdpRelay.start({ seed: 61, drop: 0.05, corrupt: 0.05, reorder: 0.02, target: { host: '127.0.0.1', port: endpoint.port } });
    perTest.push(() => relay.close());
    const proxy = await forgingProxy(relay.port);
    const sessionId = newSessionId();
    const key = keys(sessionId);
    expect(key.server.equals(key.client)).toBe(true);
    const session = endpoint.openSession({ sessionId, clientAddress: '127.0.0.1', file: source, size: data.length, chunkSize: 4096, macKey: key.server });
    const result = await receiveFile({
      host: '127.0.0.1',
      port: proxy.port,
      sessionId,
      size: data.length,
      chunkSize: 4096,
      sink: fileSink(part),
      macKey: key.client,
      idleTimeoutMs: 10_000,
    });
    await session.done;
    expect(await md5OfHandle(part)).toBe(md5(data));
    expect((await readFile(partName)).equals(data)).toBe(true);
    // Corruption was caught by the CRC; forgeries, which pass it, by the tag.
    expect(relay.counts.toClient.corrupted + relay.counts.toServer.corrupted).toBeGreaterThan(0);
    expect(result.stats.corrupt + endpoint.stats.badChecksum).toBeGreaterThan(0);
    expect(proxy.forged()).toBeGreaterThan(100);
    // Every forgery counted; the CRC does not cover the tag, so a bit flipped inside a tag counts here too.
    expect(result.stats.forged).toBeGreaterThanOrEqual(proxy.forged());
    expect(result.stats.forged).toBeLessThanOrEqual(proxy.forged() + relay.counts.toClient.corrupted);
    expect(endpoint.stats.badMac).toBeLessThanOrEqual(relay.counts.toServer.corrupted);
  });

  it('drops an ACK forged without the key: it neither starts the session nor pins its port', async () => {
    const data = content(64 * 1024, 62);
    const { source, part } = await files(data);
    const endpoint = await UdpEndpoint.bind({ host: '127.0.0.1' });
    perTest.push(() => endpoint.close());
    const sessionId = newSessionId();
    const key = keys(sessionId);
    const session = endpoint.openSession({ sessionId, clientAddress: '127.0.0.1', file: source, size: data.length, chunkSize: 1024, macKey: key.server });
    // Someone on the client's address who saw the session id (it travels over TLS, but suppose).
    const forger: Socket = createSocket('udp4');
    const heard: Buffer[] = [];
    forger.on('message', (m) => heard.push(m));
    await new Promise<void>((r) => forger.bind(0, '127.0.0.1', r));
    perTest.push(() => new Promise<void>((r) => forger.close(() => r())));
    const hello = {
      sessionId: BigInt('0x' + sessionId),
      largestPacket: -1,
      ackDelayMicros: 0,
      cumulative: 0,
      window: 1000,
      receiveBuffer: 1 << 20,
      ranges: [],
    };
    forger.send(encodeAck(hello), endpoint.port, '127.0.0.1'); // no tag at all
    forger.send(encodeAck(hello, randomBytes(32)), endpoint.port, '127.0.0.1'); // a tag from another key
    await until(() => endpoint.stats.malformed + endpoint.stats.badMac === 2);
    expect(endpoint.stats.badMac).toBe(1); // the untagged one reads as malformed: its last 16 bytes are no tag
    expect(session.stats.datagramsSent).toBe(0);
    // Had the forgery pinned the forger's port, the real client would be refused as the wrong address.
    await receiveFile({
      host: '127.0.0.1',
      port: endpoint.port,
      sessionId,
      size: data.length,
      chunkSize: 1024,
      sink: fileSink(part),
      macKey: key.client,
      idleTimeoutMs: 10_000,
    });
    await session.done;
    expect(await md5OfHandle(part)).toBe(md5(data));
    expect(endpoint.stats.wrongAddress).toBe(0);
    expect(heard).toEqual([]);
  });
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}
