// A server behind a UDP port forward: it binds one UDP port and tells clients
// another (--udp-advertise-port). A seeded lossy relay stands in for the
// forward, so the tests can see that the datagrams really went through it.

import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { UdpRelay } from '../helpers/udp-relay.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createTempShare } from '../helpers/temp-share.js';
import { fakeIo, run } from '../cli/fake-io.js';
import { useScratchXdg } from '../helpers/scratch-xdg.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const data = randomBytes(6 * 1024 * 1024 + 321);

/** A UDP port nothing is bound to right now (bind 0, read it, close): the server binds it next. */
async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** The forward: a relay in front of `udpPort` that drops a few datagrams each way. */
function relayTo(udpPort: number): Promise<UdpRelay> {
  return UdpRelay.start({ seed: 4, drop: 0.03, target: { host: '127.0.0.1', port: udpPort } });
}

const xdg = useScratchXdg('ferry-advertise-');
const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

/** Every DATA datagram the client saw came through the relay, and the relay's drops were repaired. */
function expectThroughRelay(relay: UdpRelay, bytes: number, retransmitted: number): void {
  const { toServer, toClient } = relay.counts;
  expect(toServer.forwarded).toBeGreaterThan(0); // the client's ACKs
  expect(toClient.forwardedBytes).toBeGreaterThanOrEqual(bytes); // the file, headers on top
  expect(toClient.dropped).toBeGreaterThan(0);
  expect(retransmitted).toBeGreaterThan(0);
}

describe('UDP advertise port', () => {
  it('binds its own UDP port, announces the given one, and a download through it verifies', async () => {
    const udpPort = await freeUdpPort();
    const relay = await relayTo(udpPort);
    cleanup.push(() => relay.close());
    const t: TestServer = await startTestServer({ 'big.bin': data }, { udpPort, udpAdvertisePort: relay.port });
    cleanup.push(() => t.close());
    expect(t.server.udpPort).toBe(udpPort);

    const dest = await fs.mkdtemp(path.join(xdg.dir, 'dest-'));
    const client = await t.connect({ noCache: true });
    const r = await client.download('big.bin', { dest, transport: 'udp' });
    expect(r).toMatchObject({ transport: 'udp', verified: true, md5: md5(data), bytes: data.length });
    expect(md5(await fs.readFile(path.join(dest, 'big.bin')))).toBe(md5(data));
    expectThroughRelay(relay, data.length, r.udp!.datagramsRetransmitted);
  });

  it('ferry serve --udp-advertise-port hands clients the forwarded port', async () => {
    const share = await createTempShare({ 'big.bin': data });
    cleanup.push(() => share.remove());
    const udpPort = await freeUdpPort();
    const relay = await relayTo(udpPort);
    cleanup.push(() => relay.close());
    const io = fakeIo();
    const args = ['serve', share.root, '--port', '0', '--udp-port', String(udpPort), '--udp-advertise-port', String(relay.port)];
    const serving = main([...args, '--log', path.join(xdg.dir, 'serve.log')], io);
    await io.waitForStdout('\n');
    const server = /on tcp:\/\/(\S+)/.exec(io.stdoutText())?.[1];
    expect(server, io.stdoutText()).toBeDefined();
    try {
      const dest = await fs.mkdtemp(path.join(xdg.dir, 'dest-'));
      const r = await run(['download', 'big.bin', '--udp', '--no-cache', '--json', '--dest', dest], { env: { FERRY_SERVER: server } });
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout) as { verified: boolean; md5: string; udp: { datagramsRetransmitted: number } };
      expect(j).toMatchObject({ verified: true, md5: md5(data) });
      expectThroughRelay(relay, data.length, j.udp.datagramsRetransmitted);
    } finally {
      io.interrupt('SIGTERM');
      expect(await serving).toBe(0);
    }
  });

  it('documents the option and refuses a port no client could send to', async () => {
    expect((await run(['serve', '--help'])).stdout).toContain('--udp-advertise-port');
    for (const port of ['0', '70000', '1.5']) {
      const r = await run(['serve', '.', '--port', '0', '--udp-advertise-port', port]);
      expect(r.code, port).toBe(1);
      expect(r.stderr).toMatch(/^ferry: --udp-advertise-port must be a port number from \d+ to 65535\n$/);
    }
  });
});
