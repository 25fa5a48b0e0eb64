// ferry over TLS end to end: the server's pinned certificate, downloads over
// TCP and over UDP with datagrams authenticated by a key from the TLS session.

import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryClient } from '../../src/client/client.js';
import { RpcConnection, type RpcOptions } from '../../src/client/rpc.js';
import { scratchDir } from '../helpers/scratch.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const content = randomBytes(3 * 1024 * 1024 + 5);

let t: TestServer;
let tlsDir: string;
beforeAll(async () => {
  tlsDir = await mkdtemp(join(tmpdir(), 'ferry-tls-'));
  t = await startTestServer({ 'f.bin': content }, { tls: true, tlsDir, token: 'sesame' });
});
afterAll(async () => {
  await t?.close();
  await rm(tlsDir, { recursive: true, force: true });
});

const clientWith = async (extra: Partial<RpcOptions>) => {
  const options: RpcOptions = { host: '127.0.0.1', port: t.server.port, token: 'sesame', tls: true, ...extra };
  return new FerryClient(await RpcConnection.open(options), options, null);
};

describe('TLS', () => {
  it('prints a fingerprint and serves a client that pins it, over TCP and over authenticated UDP', async () => {
    expect(t.server.fingerprint).toMatch(/^sha256:([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const client = await clientWith({ fingerprint: t.server.fingerprint!, knownServersFile: join(tlsDir, 'known') });
    const dest = await scratchDir('ferry-dest-');
    const viaTcp = await client.download('f.bin', { dest });
    expect(md5(await readFile(viaTcp.dest))).toBe(md5(content));
    const viaUdp = await client.download('f.bin', { dest: await scratchDir('ferry-dest-'), transport: 'udp' });
    expect(viaUdp.transport).toBe('udp');
    expect(md5(await readFile(viaUdp.dest))).toBe(md5(content));
    await client.close();
  });

  it('refuses a server whose certificate does not match the pin', async () => {
    const wrong = 'sha256:' + Array.from({ length: 32 }, () => 'AB').join(':');
    await expect(clientWith({ fingerprint: wrong, knownServersFile: join(tlsDir, 'known2') })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('trusts on first use and remembers', async () => {
    const known = join(tlsDir, 'known3');
    const first = await RpcConnection.open({ host: '127.0.0.1', port: t.server.port, token: 'sesame', tls: true, knownServersFile: known });
    expect(first.tls).toEqual({ fingerprint: t.server.fingerprint, firstUse: true });
    first.destroy();
    const second = await RpcConnection.open({ host: '127.0.0.1', port: t.server.port, token: 'sesame', tls: true, knownServersFile: known });
    expect(second.tls).toEqual({ fingerprint: t.server.fingerprint, firstUse: false });
    second.destroy();
    expect(await readFile(known, 'utf8')).toContain(t.server.fingerprint!);
  });

  it('refuses a plain client on a TLS port', async () => {
    await expect(RpcConnection.open({ host: '127.0.0.1', port: t.server.port, token: 'sesame', connectTimeoutMs: 3000 })).rejects.toBeInstanceOf(Error);
  });
});
