// The lossy relay is what the UDP tests trust, so it gets a test of its own:
// it forwards both ways, does what it counts, and a seed repeats a run.

import { type Socket, createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { type RelayCounts, UdpRelay } from '../helpers/udp-relay.js';

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!();
});

async function socket(): Promise<{ s: Socket; got: Buffer[] }> {
  const s = createSocket('udp4');
  const got: Buffer[] = [];
  s.on('message', (m) => got.push(m));
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  open.push(() => new Promise<void>((r) => s.close(() => r())));
  return { s, got };
}

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setImmediate(r));
  }
}

/** Push `n` numbered datagrams client → server through a relay; return what arrived and the counts. */
async function run(seed: number, n: number, impair: object): Promise<{ arrived: number[]; counts: RelayCounts; corrupted: number }> {
  const server = await socket();
  const client = await socket();
  const relay = await UdpRelay.start({ seed, target: { host: '127.0.0.1', port: server.s.address().port }, ...impair });
  open.push(() => relay.close());
  for (let i = 0; i < n; i++) {
    const b = Buffer.alloc(64, 0);
    b.writeUInt32BE(i, 0);
    b.writeUInt32BE(i, 60);
    client.s.send(b, relay.port, '127.0.0.1');
    // One at a time, so arrival order at the relay (and so its decisions) cannot vary.
    await until(() => relay.counts.toServer.received === i + 1);
  }
  await until(() => {
    const c = relay.counts.toServer;
    return server.got.length === c.forwarded;
  });
  await until(() => relay.counts.toServer.forwarded === relay.counts.toServer.received - relay.counts.toServer.dropped + relay.counts.toServer.duplicated);
  const corrupted = server.got.filter((b) => b.readUInt32BE(0) !== b.readUInt32BE(60) || b.subarray(4, 60).some((x) => x !== 0)).length;
  return { arrived: server.got.map((b) => b.readUInt32BE(0)), counts: relay.counts.toServer, corrupted };
}

describe('UDP relay', () => {
  it('forwards both ways untouched when asked for nothing', async () => {
    const server = await socket();
    const client = await socket();
    const relay = await UdpRelay.start({ seed: 1, target: { host: '127.0.0.1', port: server.s.address().port } });
    open.push(() => relay.close());
    server.s.on('message', (m, rinfo) => server.s.send(Buffer.concat([Buffer.from('re: '), m]), rinfo.port, rinfo.address));
    client.s.send(Buffer.from('hello'), relay.port, '127.0.0.1');
    await until(() => client.got.length === 1);
    expect(client.got[0]!.toString()).toBe('re: hello');
    expect(relay.counts.toServer.forwarded).toBe(1);
    expect(relay.counts.toClient.forwarded).toBe(1);
    expect(relay.counts.toServer.forwardedBytes).toBe(5);
    expect(relay.counts.toClient.forwardedBytes).toBe(9);
  });

  it('counts the bytes it drops and forwards, and starts afresh when reset', async () => {
    const server = await socket();
    const client = await socket();
    const relay = await UdpRelay.start({ seed: 7, drop: 0.3, target: { host: '127.0.0.1', port: server.s.address().port } });
    open.push(() => relay.close());
    // Every datagram a different length, so a byte count cannot come out right by counting datagrams.
    let sent = 0;
    for (let i = 0; i < 200; i++) {
      const b = Buffer.alloc(1 + ((i * 37) % 1400), i & 0xff);
      sent += b.length;
      client.s.send(b, relay.port, '127.0.0.1');
      await until(() => relay.counts.toServer.received === i + 1);
    }
    await until(() => server.got.length === relay.counts.toServer.forwarded);
    const c = relay.counts.toServer;
    const arrived = server.got.reduce((n, b) => n + b.length, 0);
    expect(c.dropped).toBeGreaterThan(30);
    expect(c.forwardedBytes).toBe(arrived);
    expect(c.droppedBytes).toBe(sent - arrived);

    relay.resetCounts();
    expect(relay.counts.toServer).toMatchObject({ received: 0, forwarded: 0, dropped: 0, forwardedBytes: 0, droppedBytes: 0 });
    const before = server.got.length;
    for (let i = 0; i < 20; i++) {
      client.s.send(Buffer.alloc(100), relay.port, '127.0.0.1');
      await until(() => relay.counts.toServer.received === i + 1);
    }
    await until(() => server.got.length - before === relay.counts.toServer.forwarded);
    const after = relay.counts.toServer;
    expect(after.received).toBe(20);
    expect(after.forwardedBytes).toBe(100 * after.forwarded);
    expect(after.droppedBytes).toBe(100 * after.dropped);
  });

  it('drops, duplicates, reorders and corrupts as counted, and repeats itself for a seed', async () => {
    const impair = { drop: 0.1, duplicate: 0.1, reorder: 0.1, corrupt: 0.05, delayMs: 2 };
    const a = await run(42, 300, impair);
    const b = await run(42, 300, impair);
    expect(a.counts).toEqual(b.counts);
    expect(a.counts.dropped).toBeGreaterThan(10);
    expect(a.counts.duplicated).toBeGreaterThan(10);
    expect(a.counts.reordered).toBeGreaterThan(10);
    expect(a.counts.corrupted).toBeGreaterThan(3);
    expect(a.corrupted).toBe(a.counts.corrupted);
    expect(a.arrived.length).toBe(300 - a.counts.dropped + a.counts.duplicated);
    expect(a.counts.droppedBytes).toBe(64 * a.counts.dropped);
    expect(a.counts.forwardedBytes).toBe(64 * a.arrived.length);
    expect(a.arrived).not.toEqual([...a.arrived].sort((x, y) => x - y)); // something overtook something
    const c = await run(43, 300, impair);
    expect(c.counts).not.toEqual(a.counts);
  });
});
