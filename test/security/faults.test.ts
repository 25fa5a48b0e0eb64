// Faults: a client process killed mid-download, a server process killed
// mid-download and restarted, an upload cut mid-stream, a full disk. Each must
// end in a clear coded error and a state the next attempt resumes from or
// that shows nothing half-done.

import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FerryClient } from '../../src/client/client.js';
import { RpcConnection } from '../../src/client/rpc.js';
import { codeOf, startTestServer, waitFor } from '../helpers/server.js';
import { createTempShare } from '../helpers/temp-share.js';
import { buildCli } from '../helpers/built-cli.js';
import { startTcpRelay } from '../helpers/tcp-relay.js';

const MiB = 1024 * 1024;
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const big = randomBytes(24 * MiB);

let home: string;
let bin: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  ({ home, bin, env } = await buildCli('faults'));
}, 60_000);
afterAll(async () => {
  if (home) await fs.rm(home, { recursive: true, force: true });
});

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

async function clientVia(port: number): Promise<FerryClient> {
  const options = { host: '127.0.0.1', port };
  return new FerryClient(await RpcConnection.open(options), options, null);
}

const sizeOf = (file: string) =>
  fs.stat(file).then(
    (s) => s.size,
    () => -1,
  );

/** `ferry serve` in a child process; resolves once it listens, with its port. */
/**
 * Kill the server itself, abruptly: `ferry serve` runs under a launcher that
 * gave it a heap limit (bin/ferry.js), so the worker is the launcher's child.
 */
function killServer(launcher: ChildProcess): void {
  const children = readFileSync(`/proc/${launcher.pid}/task/${launcher.pid}/children`, 'utf8').trim().split(/\s+/);
  process.kill(Number(children[0]), 'SIGKILL');
}

async function serveProcess(root: string, port: number, log: string): Promise<{ child: ChildProcess; port: number }> {
  const child = execa(process.execPath, [bin, 'serve', root, '--port', String(port), '--log', log], { env, extendEnv: false, reject: false, buffer: false });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const m = await waitFor(
    () =>
      /tcp:\/\/127\.0\.0\.1:(\d+)/.exec(out) ??
      (child.exitCode !== null
        ? (() => {
            throw new Error(`serve exited: ${out}`);
          })()
        : null),
    'ferry serve to listen',
  );
  return { child, port: Number(m[1]) };
}

describe('a client killed mid-download', () => {
  it('leaves a .part the next download resumes from and verifies', async () => {
    const t = await startTestServer({ 'big.bin': big });
    const relay = await startTcpRelay({ host: '127.0.0.1', port: t.server.port });
    const dest = await fs.mkdtemp(path.join(tmpdir(), 'ferry-faults-dest-'));
    try {
      relay.holdAfter = 6 * MiB;
      const child = execa(process.execPath, [bin, 'download', 'big.bin', '--server', `127.0.0.1:${relay.port}`, '--dest', dest, '--no-cache'], {
        env,
        extendEnv: false,
        stdio: 'ignore',
        reject: false,
      });
      await relay.held();
      const part = path.join(dest, '.big.bin.ferry-part');
      await waitFor(async () => (await sizeOf(part)) >= MiB, 'the .part to hold at least 1 MiB');
      child.kill('SIGKILL');
      expect((await exited(child)).signal).toBe('SIGKILL');
      relay.holdAfter = undefined;
      relay.dropAll();
      const held = await sizeOf(part);
      expect(held).toBeGreaterThan(0);
      expect(held).toBeLessThan(big.length);

      const client = await clientVia(relay.port);
      const r = await client.download('big.bin', { dest, noCache: true });
      await client.close();
      expect(r.resumedFrom).toBeGreaterThan(0);
      expect(r.transferred).toBeLessThan(big.length);
      expect(r.verified).toBe(true);
      expect(md5(await fs.readFile(path.join(dest, 'big.bin')))).toBe(md5(big));
      expect((await fs.readdir(dest)).sort()).toEqual(['big.bin']);
    } finally {
      await relay.close();
      await t.close();
      await fs.rm(dest, { recursive: true, force: true });
    }
  });
});

describe('a server killed mid-download', () => {
  it('fails the download with CONNECTION_LOST; after a restart on the same port the client resumes and verifies', async () => {
    const share = await createTempShare({ 'big.bin': big });
    const dest = await fs.mkdtemp(path.join(tmpdir(), 'ferry-faults-dest-'));
    const log = path.join(home, 'server-kill.jsonl');
    let server = await serveProcess(share.root, 0, log);
    const relay = await startTcpRelay({ host: '127.0.0.1', port: server.port });
    const client = await clientVia(relay.port);
    try {
      relay.holdAfter = 6 * MiB;
      const first = codeOf(client.download('big.bin', { dest, noCache: true }));
      await relay.held();
      await waitFor(async () => (await sizeOf(path.join(dest, '.big.bin.ferry-part'))) >= MiB, 'the .part to hold at least 1 MiB');
      killServer(server.child);
      await exited(server.child);
      relay.dropAll();
      expect(await first).toBe('CONNECTION_LOST');
      expect(await fs.readdir(dest)).not.toContain('big.bin');

      relay.holdAfter = undefined;
      server = await serveProcess(share.root, server.port, log);
      const r = await client.download('big.bin', { dest, noCache: true });
      expect(r.resumedFrom).toBeGreaterThan(0);
      expect(r.verified).toBe(true);
      expect(md5(await fs.readFile(path.join(dest, 'big.bin')))).toBe(md5(big));
      expect((await fs.readdir(dest)).sort()).toEqual(['big.bin']);
    } finally {
      await client.close();
      killServer(server.child);
      await exited(server.child);
      await relay.close();
      await share.remove();
      await fs.rm(dest, { recursive: true, force: true });
    }
  });
});

describe('an upload cut mid-stream', () => {
  it('leaves nothing on the server: no file, no temp file on disk or in listings', async () => {
    const t = await startTestServer({ 'keep.txt': 'keep\n' }, { allowUpload: true });
    const relay = await startTcpRelay({ host: '127.0.0.1', port: t.server.port });
    const local = path.join(t.scratch, 'up.bin');
    await fs.writeFile(local, randomBytes(12 * MiB));
    try {
      relay.cutUploadAfter = 3 * MiB;
      const client = await clientVia(relay.port);
      const code = await codeOf(client.upload(local, { as: 'up.bin' }));
      await client.close().catch(() => {});
      await relay.cut();
      expect(['CONNECTION_LOST', 'CANCELLED']).toContain(code);
      // The server notices the cut and removes its temp file.
      await waitFor(async () => (await fs.readdir(t.share.root)).every((n) => !n.startsWith('.ferry-upload-')), 'the upload temp file to be removed');
      expect((await fs.readdir(t.share.root)).sort()).toEqual(['keep.txt']);
      const direct = await t.connect({ noCache: true });
      expect((await direct.list({ hidden: true })).map((e) => e.path)).toEqual(['keep.txt']);
      expect(await codeOf(direct.stat('up.bin'))).toBe('NOT_FOUND');
      await t.share.assertSentinelIntact();
    } finally {
      await relay.close();
      await t.close();
    }
  });
});

/**
 * Run `body` with a real 2 MiB tmpfs mounted (a disk that fills up), or skip
 * with a note where mounting is not allowed. Unmounted afterwards either way.
 */
async function withFullDisk(body: (mnt: string) => Promise<void>): Promise<void> {
  const mnt = await fs.mkdtemp(path.join(tmpdir(), 'ferry-faults-tmpfs-'));
  try {
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt]);
  } catch (err) {
    await fs.rm(mnt, { recursive: true, force: true });
    console.log(`skipping the full-disk test: cannot mount a 2 MiB tmpfs here (${(err as Error).message.split('\n')[0]})`);
    return;
  }
  try {
    await body(mnt);
  } finally {
    await execa('umount', [mnt]).catch(() => {});
    await fs.rm(mnt, { recursive: true, force: true });
  }
}

describe('a full disk on the client', () => {
  it.each(['tcp', 'udp'] as const)('ends with NO_SPACE and no file at the destination (%s)', (transport) =>
    withFullDisk(async (mnt) => {
      const t = await startTestServer({ 'four.bin': big.subarray(0, 4 * MiB) });
      try {
        const client = await t.connect({ noCache: true });
        const code = await codeOf(client.download('four.bin', { dest: mnt, noCache: true, transport }));
        expect(code).toBe('NO_SPACE');
        expect(await fs.readdir(mnt)).not.toContain('four.bin');
        // The failed attempt must not keep the disk full: what is left is at most a resumable .part.
        for (const name of await fs.readdir(mnt)) expect(name).toMatch(/\.ferry-part(\.json)?$/);
      } finally {
        await t.close();
      }
    }),
  );

  it('with the cache on the full disk: NO_SPACE, no file at the destination, no cache entry, no temp files', () =>
    withFullDisk(async (mnt) => {
      const t = await startTestServer({ 'four.bin': big.subarray(0, 4 * MiB) });
      const dest = await fs.mkdtemp(path.join(tmpdir(), 'ferry-faults-dest-'));
      try {
        const cacheDir = path.join(mnt, 'cache');
        const client = await t.connect({ cacheDir });
        expect(await codeOf(client.download('four.bin', { dest }))).toBe('NO_SPACE');
        expect(await fs.readdir(dest)).toEqual([]);
        expect(await client.cache!.list()).toEqual([]);
        const left = await fs.readdir(cacheDir, { recursive: true });
        expect(left.filter((n) => /\.tmp$|ferry-tmp/.test(n))).toEqual([]);
      } finally {
        await t.close();
        await fs.rm(dest, { recursive: true, force: true });
      }
    }));
});

describe('a full disk at the destination, with the cache elsewhere', () => {
  it('ends with NO_SPACE, nothing at the destination, and the verified copy kept in the cache', () =>
    withFullDisk(async (mnt) => {
      const t = await startTestServer({ 'four.bin': big.subarray(0, 4 * MiB) });
      try {
        const client = await t.connect({ cacheDir: path.join(t.scratch, 'cache') });
        expect(await codeOf(client.download('four.bin', { dest: mnt }))).toBe('NO_SPACE');
        expect(await fs.readdir(mnt)).toEqual([]);
        // The bytes arrived and were verified: the next try needs no transfer at all.
        const entries = await client.cache!.list();
        expect(entries.map((e) => e.md5)).toEqual([md5(big.subarray(0, 4 * MiB))]);
      } finally {
        await t.close();
      }
    }));
});

describe('a full disk on the server', () => {
  it('refuses an upload with NO_SPACE, leaves no temp file in the share and keeps serving', () =>
    withFullDisk(async (mnt) => {
      const local = await fs.mkdtemp(path.join(tmpdir(), 'ferry-faults-up-'));
      const t = await startTestServer({}, { root: mnt, allowUpload: true });
      try {
        await fs.writeFile(path.join(local, 'four.bin'), big.subarray(0, 4 * MiB));
        await fs.writeFile(path.join(local, 'small.txt'), 'fits\n');
        const client = await t.connect({ noCache: true });
        expect(await codeOf(client.upload(path.join(local, 'four.bin')))).toBe('NO_SPACE');
        expect(await fs.readdir(mnt)).toEqual([]);
        // The space the failed upload took is given back: a small one still lands.
        await expect(client.upload(path.join(local, 'small.txt'))).resolves.toMatchObject({ path: 'small.txt' });
        expect(await fs.readFile(path.join(mnt, 'small.txt'), 'utf8')).toBe('fits\n');
      } finally {
        await t.close();
        await fs.rm(local, { recursive: true, force: true });
      }
    }));
});
