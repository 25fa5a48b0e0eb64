// Load: 64 clients at once listing, hashing and downloading for a few seconds.
// Every answer must be right, and once the clients are gone the process's
// open file descriptors and memory return to where they started.

import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryClient } from '../../src/client/client.js';
import { RpcConnection } from '../../src/client/rpc.js';
import { startTestServer, waitFor, type TestServer } from '../helpers/server.js';

const KiB = 1024;
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const files: Record<string, Buffer> = {};
for (let i = 0; i < 8; i++) files[`data/f${i}.bin`] = randomBytes(96 * KiB + i);
files['big.bin'] = randomBytes(2 * 1024 * KiB);
files['docs/readme.txt'] = Buffer.from('hello\n');
const expectedPaths = [...Object.keys(files), 'data', 'docs'].sort();

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const openFds = () => readdirSync('/proc/self/fd').length;
const heldMemory = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};

let t: TestServer;
let scratch: string;
beforeAll(async () => {
  t = await startTestServer(files);
  scratch = await mkdtemp(join(tmpdir(), 'ferry-load-'));
});
afterAll(async () => {
  await t?.close();
  await rm(scratch, { recursive: true, force: true });
});

async function openClient(): Promise<FerryClient> {
  const options = { host: '127.0.0.1', port: t.server.port };
  return new FerryClient(await RpcConnection.open(options), options, null);
}

/** Poll `probe` until `ok` or a deadline; returns the last value either way (the caller asserts). */
async function settle(probe: () => number, ok: (n: number) => boolean, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = probe();
    if (ok(n) || Date.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function oneOfEach(client: FerryClient, dest: string, n: number): Promise<void> {
  const names = Object.keys(files);
  const name = names[n % names.length]!;
  switch (n % 3) {
    case 0: {
      const paths = (await client.list()).map((e) => e.path).sort();
      expect(paths).toEqual(expectedPaths);
      break;
    }
    case 1:
      expect((await client.hash(name)).md5).toBe(md5(files[name]!));
      break;
    default: {
      const r = await client.download(name, { dest, noCache: true });
      expect(r.verified).toBe(true);
      expect(md5(await readFile(r.dest))).toBe(md5(files[name]!));
      await rm(r.dest);
    }
  }
}

describe('64 clients at once', () => {
  it('get correct answers, and descriptors and memory return to baseline afterwards', async () => {
    if (process.platform !== 'linux') {
      console.log('skipping the load test: it counts descriptors through /proc/self/fd (Linux only)');
      return;
    }
    // Warm up once (hash workers, the MD5 worker code, module loading) before the baseline.
    const warm = await openClient();
    const warmDest = await mkdtemp(join(scratch, 'warm-'));
    for (let i = 0; i < 6; i++) await oneOfEach(warm, warmDest, i);
    await warm.close();
    await waitFor(() => t.server.counters.connections > 0, 'connections counted');
    const fdBase = openFds();
    const memBase = heldMemory();

    const deadline = Date.now() + 3000;
    let operations = 0;
    // Clients made here, not by t.connect(), which keeps every client it made until the server closes.
    const clients = await Promise.all(Array.from({ length: 64 }, () => openClient()));
    await Promise.all(
      clients.map(async (client, c) => {
        const dest = await mkdtemp(join(scratch, `c${c}-`));
        // Each client does one of each (list, hash, download), then keeps going until the deadline.
        for (let n = c; (n < c + 3 || Date.now() < deadline) && n < c + 200; n++) {
          await oneOfEach(client, dest, n);
          operations++;
        }
      }),
    );
    expect(operations).toBeGreaterThanOrEqual(64 * 3);
    const duringFds = openFds();
    expect(duringFds).toBeGreaterThan(fdBase + 64); // the clients' connections were really open
    await Promise.all(clients.map((c) => c.close()));
    clients.length = 0;

    // Poll with a deadline: sockets and worker threads close asynchronously.
    const fdsSettled = await settle(openFds, (n) => n <= fdBase + 4);
    expect(fdsSettled, `open descriptors (baseline ${fdBase})`).toBeLessThanOrEqual(fdBase + 4);
    const memSettled = await settle(heldMemory, (n) => n <= memBase + 24 * 1024 * KiB);
    console.log(
      `load: ${operations} operations; fds ${fdBase} -> ${duringFds} -> ${fdsSettled}; heap+external ${(memBase / 2 ** 20).toFixed(1)} -> ${(memSettled / 2 ** 20).toFixed(1)} MiB`,
    );
    expect(memSettled, `heap + external bytes (baseline ${memBase})`).toBeLessThanOrEqual(memBase + 24 * 1024 * KiB);
  }, 45_000);
});
