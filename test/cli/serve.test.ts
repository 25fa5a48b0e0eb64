// `ferry serve` in-process, `ferry upload`, and Ctrl-C during a download.

import { createHash } from 'node:crypto';
import { promises as fs, realpathSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { DEFAULT_LIMITS, FerryServer } from '../../src/server/server.js';
import { createTempShare, type TempShare } from '../helpers/temp-share.js';
import { fakeIo, run } from './fake-io.js';
import { useScratchXdg } from '../helpers/scratch-xdg.js';

const xdg = useScratchXdg('ferry-serve-');

describe('ferry serve', () => {
  it('prints one ready line, serves the folder, and stops with exit 0 on SIGTERM', async () => {
    const share = await createTempShare({ 'hello.txt': 'hello\n' });
    try {
      const io = fakeIo({ cwd: share.base });
      const done = main(['serve', 'share', '--port', '0', '--log', path.join(xdg.dir, 'serve.log')], io);
      await io.waitForStdout('\n');
      const m = /^ferry: serving (.+) on tcp:\/\/127\.0\.0\.1:(\d+)\n$/.exec(io.stdoutText());
      expect(m, io.stdoutText()).not.toBeNull();
      expect(m?.[1]).toBe(realpathSync(share.root));
      const server = `127.0.0.1:${m?.[2]}`;
      const listing = await run(['index', 'longlist', '--json'], { env: { FERRY_SERVER: server } });
      expect(JSON.parse(listing.stdout)).toMatchObject([{ path: 'hello.txt', size: 6 }]);

      io.interrupt('SIGTERM');
      expect(await done).toBe(0);
      expect(io.stdoutText().split('\n').filter(Boolean)).toHaveLength(1);
      // The command reached the server's log file.
      expect(await fs.readFile(path.join(xdg.dir, 'serve.log'), 'utf8')).toMatch(/"list"/);
      const after = await run(['index', 'longlist'], { env: { FERRY_SERVER: server } });
      expect(after.code).toBe(1);
      expect(after.stderr).toMatch(/^ferry: cannot connect to 127\.0\.0\.1:\d+: connection refused/);
    } finally {
      await share.remove();
    }
  });

  it('fails with one line for a missing folder', async () => {
    const missing = await run(['serve', path.join(xdg.dir, 'no-such-dir'), '--port', '0']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^ferry: \S.*\n$/);
  });

  it('serves a folder that holds its own command log, without the log', async () => {
    const share = await createTempShare({ 'hello.txt': 'hello\n' });
    try {
      const io = fakeIo({ cwd: share.base });
      const done = main(['serve', 'share', '--port', '0', '--log', path.join(share.root, 'log.jsonl')], io);
      await io.waitForStdout('\n');
      const port = /tcp:\/\/127\.0\.0\.1:(\d+)/.exec(io.stdoutText())?.[1];
      expect(port, io.stdoutText()).toBeDefined();
      const listing = await run(['index', 'longlist', '--json'], { env: { FERRY_SERVER: `127.0.0.1:${port}` } });
      expect(JSON.parse(listing.stdout).map((e: { path: string }) => e.path)).toEqual(['hello.txt']);
      io.interrupt('SIGTERM');
      expect(await done).toBe(0);
      expect(await fs.readFile(path.join(share.root, 'log.jsonl'), 'utf8')).toMatch(/"list"/);
    } finally {
      await share.remove();
    }
  });
});

describe('ferry serve --verbose', () => {
  it('prints every limit in force, one line each in human units, including the log rotation it was given', async () => {
    const share = await createTempShare({});
    try {
      const io = fakeIo({ cwd: share.base });
      const logFile = path.join(xdg.dir, 'verbose.log');
      const done = main(['serve', 'share', '--port', '0', '--log', logFile, '--verbose', '--log-size', '1MiB', '--log-keep', '3'], io);
      await io.waitForStdout(/limit log\.keepFiles .*\n/);
      io.interrupt('SIGTERM');
      expect(await done).toBe(0);
      const lines = io.stdoutText().split('\n').filter(Boolean);
      expect(lines[0]).toMatch(/^ferry: serving /);
      const limits = lines.filter((l) => l.startsWith('ferry: limit '));
      expect(limits).toHaveLength(lines.length - 1);
      // Every field of the server's limits shows up, whoever added it.
      for (const name of Object.keys(DEFAULT_LIMITS))
        expect(
          limits.some((l) => l.startsWith(`ferry: limit ${name} = `)),
          name,
        ).toBe(true);
      expect(limits).toContain('ferry: limit log.maxFileBytes = 1.0 MiB — the command log is rotated before a file would pass this size');
      expect(limits).toContain('ferry: limit log.keepFiles = 3 — older command log files kept (file.1 … file.N)');
      expect(limits).toContain('ferry: limit protocol.MAX_HEADER_BYTES = 64.0 KiB — largest JSON header of one frame');
      expect(limits).toContain('ferry: limit protocol.MAX_PATH_BYTES = 4.0 KiB — longest path a request may name');
      expect(limits.find((l) => l.startsWith('ferry: limit idleMs = '))).toBe(
        'ferry: limit idleMs = 5 m 00 s — a connection with nothing in flight is closed after this long idle',
      );
    } finally {
      await share.remove();
    }
  });

  it('refuses a log size or count that is not usable, with one line', async () => {
    for (const [flag, value, message] of [
      ['--log-size', 'lots', /invalid --log-size 'lots'/],
      ['--log-size', '1KiB', /--log-size must be at least 64.0 KiB/],
      ['--log-keep', '0', /--log-keep must be a whole number from 1 to 1000/],
      ['--log-keep', '2.5', /--log-keep must be a whole number from 1 to 1000/],
    ] as const) {
      const r = await run(['serve', xdg.dir, '--port', '0', flag, value]);
      expect(r.code, `${flag} ${value}`).toBe(1);
      expect(r.stderr).toMatch(/^ferry: \S.*\n$/);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe('ferry serve --token', () => {
  it('refuses a weak chosen token before serving anything, and suggests --token auto', async () => {
    const share = await createTempShare({});
    try {
      for (const [argv, env] of [
        [['--token', 'sunshine123'], {}],
        [['--token', 'aaaaaaaaaaaaaaaaaaaaaaaa'], {}],
        [[], { FERRY_TOKEN: 'hunter2' }],
      ] as [string[], Record<string, string>][]) {
        const r = await run(['serve', share.root, '--port', '0', '--log', path.join(xdg.dir, 'weak.log'), ...argv], { env });
        expect(r.code).toBe(1);
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(/^ferry: the token is too weak: .*--token auto.*\n$/);
      }
    } finally {
      await share.remove();
    }
  });

  it('prints the token it made for --token auto, and that token works', async () => {
    const share = await createTempShare({ 'a.txt': 'a' });
    try {
      const io = fakeIo({});
      const done = main(['serve', share.root, '--port', '0', '--token', 'auto', '--log', path.join(xdg.dir, 'auto.log')], io);
      await io.waitForStdout(/ferry: token \S+ /);
      const port = /tcp:\/\/127\.0\.0\.1:(\d+)/.exec(io.stdoutText())?.[1];
      const token = /ferry: token (\S+) /.exec(io.stdoutText())?.[1] ?? '';
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      const ok = await run(['index', 'longlist', '--json'], { env: { FERRY_SERVER: `127.0.0.1:${port}`, FERRY_TOKEN: token } });
      expect(ok.code, ok.stderr).toBe(0);
      io.interrupt('SIGTERM');
      expect(await done).toBe(0);
    } finally {
      await share.remove();
    }
  });
});

describe('ferry shell and a broken connection', () => {
  it('reports the loss, keeps the session, and says when the server is back', async () => {
    const share = await createTempShare({ 'a.txt': 'x' });
    const logFile = path.join(xdg.dir, 'broken.log');
    let server = await FerryServer.start({ root: share.root, host: '127.0.0.1', port: 0, logFile, hashIndexFile: null });
    const port = server.port;
    try {
      const io = fakeIo({ env: { FERRY_SERVER: `127.0.0.1:${port}` } });
      const done = main(['shell'], io);
      io.stdin.write('FileHash verify a.txt\n');
      await io.waitForStdout('a.txt');
      await server.close();
      await waitFor(async () => io.stderrText().includes('reconnecting'), 'the loss to be reported');
      expect(io.stderrText()).toMatch(new RegExp(`^ferry: connection to 127\\.0\\.0\\.1:${port} lost.*; reconnecting\n`));

      server = await FerryServer.start({ root: share.root, host: '127.0.0.1', port, logFile, hashIndexFile: null });
      io.stdin.write('IndexGet longlist\n');
      io.stdin.end();
      expect(await done).toBe(0);
      expect(io.stderrText()).toContain(`ferry: reconnected to 127.0.0.1:${port}`);
      expect(io.stdoutText()).toMatch(/1 file, 0 folders, 1 B\n$/);
    } finally {
      await server.close();
      await share.remove();
    }
  });
});

describe('upload and interrupted download', () => {
  const BIG = 24 * 1024 * 1024;
  let share: TempShare;
  let server: FerryServer;
  let env: Record<string, string>;
  let big: Buffer;

  beforeAll(async () => {
    big = Buffer.alloc(BIG);
    for (let i = 0; i < BIG; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
    share = await createTempShare({ 'big.bin': big });
    server = await FerryServer.start({
      root: share.root,
      host: '127.0.0.1',
      port: 0,
      logFile: path.join(xdg.dir, 'up.log'),
      hashIndexFile: null,
      allowUpload: true,
    });
    env = { FERRY_SERVER: `127.0.0.1:${server.port}`, FERRY_CACHE_DIR: path.join(xdg.dir, 'cache') };
  });

  afterAll(async () => {
    await server?.close();
    await share?.remove();
  });

  it('uploads a file, refuses to overwrite it, then overwrites on request', async () => {
    const local = path.join(xdg.dir, 'report.txt');
    await fs.writeFile(local, 'quarterly report\n');
    const md5 = createHash('md5').update('quarterly report\n').digest('hex');
    const r = await run(['upload', local, '--as', 'report.txt', '--json'], { env });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ path: 'report.txt', bytes: 17, md5, verified: true });
    expect(await fs.readFile(share.abs('report.txt'), 'utf8')).toBe('quarterly report\n');

    const again = await run(['upload', local, '--as', 'report.txt'], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^ferry: \S.*\n$/);
    const forced = await run(['upload', 'report.txt', '--as', 'report.txt', '--overwrite'], { env, cwd: xdg.dir });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(`${md5} (verified by the server)`);

    const missing = await run(['upload', path.join(xdg.dir, 'nope.txt')], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^ferry: .*nope\.txt/);
  });

  it('uploads a folder with --recursive into folders it makes, and refuses a bad --transfers', async () => {
    const local = path.join(xdg.dir, 'album');
    await fs.mkdir(path.join(local, 'day1'), { recursive: true });
    await fs.writeFile(path.join(local, 'cover.txt'), 'cover\n');
    await fs.writeFile(path.join(local, 'day1', 'a.txt'), 'first day\n');
    const r = await run(['upload', local, '--recursive', '--as', 'trips/2026/album', '--transfers', '2', '--json'], { env });
    expect(r.stderr).toBe('');
    const json = JSON.parse(r.stdout) as { path: string; files: { path: string }[] };
    expect(json.path).toBe('trips/2026/album');
    expect(json.files.map((f) => f.path)).toEqual(['trips/2026/album/cover.txt', 'trips/2026/album/day1/a.txt']);
    expect(await fs.readFile(share.abs('trips/2026/album/day1/a.txt'), 'utf8')).toBe('first day\n');
    const human = await run(['upload', local, '--recursive', '--as', 'again', '--transfers', '1'], { env });
    expect(human.stdout).toContain('2 files');
    const bad = await run(['upload', local, '--recursive', '--transfers', '0'], { env });
    expect(bad).toMatchObject({ code: 1, stderr: 'ferry: --transfers must be a whole number from 1 to 64, not 0\n' });
  });

  it('Ctrl-C during a download exits 130 with a resumable .part; the next run completes', async () => {
    const dest = await fs.mkdtemp(path.join(xdg.dir, 'dl-'));
    // A relay that holds the server's bytes after the first 4 MiB, so Ctrl-C lands
    // mid-transfer however fast loopback is.
    const relay = await holdingRelay(server.port, 4 * 1024 * 1024);
    // Both runs go through the relay: the .part remembers the address it came from.
    const viaRelay = { ...env, FERRY_SERVER: `127.0.0.1:${relay.port}` };
    try {
      const io = fakeIo({ env: viaRelay });
      const done = main(['download', 'big.bin', '--dest', dest, '--no-cache'], io);
      await relay.holding;
      const part = path.join(dest, '.big.bin.ferry-part');
      await waitFor(async () => (await fs.stat(part).catch(() => undefined))?.size ?? 0, 'bytes in the .part file');
      io.interrupt('SIGINT');
      relay.release();
      expect(await done, io.stderrText()).toBe(130);
      expect(io.stderrText()).toContain('ferry: download of big.bin interrupted; run the same command again to resume');
      const left = await fs.readdir(dest);
      expect(left).not.toContain('big.bin');
      expect(left, 'a partial file stays for the next run').toContain('.big.bin.ferry-part');

      const second = await run(['download', 'big.bin', '--dest', dest, '--no-cache', '--json'], { env: viaRelay });
      expect(second.stderr).toBe('');
      expect(second.code).toBe(0);
      const result = JSON.parse(second.stdout) as { md5: string; resumedFrom?: number; transferred: number };
      expect(result.md5).toBe(createHash('md5').update(big).digest('hex'));
      expect(result.resumedFrom ?? 0).toBeGreaterThan(0);
      expect(result.transferred).toBe(BIG - (result.resumedFrom ?? 0));
    } finally {
      relay.close();
    }
    expect(Buffer.compare(await fs.readFile(path.join(dest, 'big.bin')), big)).toBe(0);
    expect((await fs.readdir(dest)).sort()).toEqual(['big.bin']);
  });

  it('Ctrl-C during hash checkall exits 130', async () => {
    const r = await run(['hash', 'checkall', '--rehash'], {
      env,
      tty: true,
      // Press Ctrl-C the moment the plan is known, before anything is hashed.
      onStderr: (text, io) => text.includes('hashing 0/') && io.interrupt('SIGINT'),
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('ferry: interrupted');
    expect(r.stdout).not.toMatch(/hashed in/);
  });

  it('draws a progress bar on a terminal and erases it before the result', async () => {
    const dest = await fs.mkdtemp(path.join(xdg.dir, 'dl-'));
    const r = await run(['download', 'big.bin', '--dest', dest, '--no-cache'], { env, tty: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/big\.bin  \[[█░]+\]\s+\d+%  .* [KMG]?i?B\/s  ETA /);
    expect(r.stderr.endsWith('\r\x1b[2K')).toBe(true);
    expect(r.stdout).toMatch(/^big\.bin  24\.0 MiB/);
  });
});

/** Poll `probe` until it returns something truthy, failing after a deadline (no fixed sleeps). */
async function waitFor<T>(probe: () => Promise<T>, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * A TCP relay to `port` that forwards everything, except that after `limit`
 * bytes from the server it stops passing server bytes on until release().
 */
async function holdingRelay(port: number, limit: number) {
  let release = () => {};
  let onHold = () => {};
  const holding = new Promise<void>((r) => (onHold = r));
  const released = new Promise<void>((r) => (release = r));
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    sockets.add(client).add(upstream);
    let forwarded = 0;
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      if (forwarded >= limit) {
        upstream.pause();
        onHold();
        void released.then(() => {
          client.write(d);
          upstream.resume();
        });
        return;
      }
      forwarded += d.length;
      client.write(d);
    });
    for (const s of [client, upstream]) s.on('error', () => {});
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  return {
    port: (relay.address() as net.AddressInfo).port,
    holding,
    release: () => release(),
    close: () => {
      release();
      for (const s of sockets) s.destroy();
      relay.close();
    },
  };
}
