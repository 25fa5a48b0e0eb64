// The built `ferry` executable in real processes: exit codes, signals, and no
// stray handles keeping a finished command alive. Built into a scratch folder
// under node_modules so the real dist/ is never touched and packages resolve.

import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../helpers/built-cli.js';
import { waitFor } from '../helpers/server.js';
import { createTempShare, type TempShare } from '../helpers/temp-share.js';

let home: string;
let bin: string;
let share: TempShare;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  ({ home, bin, env } = await buildCli('bin'));
  share = await createTempShare({ 'a.txt': 'alpha\n', 'big.bin': Buffer.alloc(16 * 1024 * 1024, 7) });
}, 120_000);

afterAll(async () => {
  await share?.remove();
  if (home) await fs.rm(home, { recursive: true, force: true });
});

interface Done {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], extraEnv: NodeJS.ProcessEnv = {}, stdin?: string) {
  // Output is read as it comes (tests wait for a line), so execa keeps none itself.
  const child = execa(process.execPath, [bin, ...args], {
    env: { ...env, ...extraEnv },
    extendEnv: false,
    reject: false,
    buffer: false,
    ...(stdin !== undefined ? { input: stdin } : {}),
  });
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout!.on('data', (d) => ((stdout += d), watchers.forEach((w) => w())));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = child.then((r) => ({ code: r.exitCode ?? null, signal: (r.signal ?? null) as NodeJS.Signals | null, stdout, stderr }) satisfies Done);
  const stdoutMatch = (re: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const m = re.exec(stdout);
        if (m) {
          watchers.delete(check);
          resolve(m);
        }
      };
      watchers.add(check);
      check();
      void done.then(() => reject(new Error(`exited before printing ${re}: ${stdout}${stderr}`)));
    });
  return { child, done, stdoutMatch };
}

const ferry = (args: string[], extraEnv: NodeJS.ProcessEnv = {}, stdin?: string) => start(args, extraEnv, stdin ?? '').done;

async function serve(extra: string[] = []): Promise<{ child: ChildProcess; done: Promise<Done>; address: string }> {
  const s = start(['serve', share.root, '--port', '0', '--log', path.join(home, `log-${Date.now()}.jsonl`), ...extra]);
  const m = await s.stdoutMatch(/^ferry: serving .+ on tcp:\/\/(127\.0\.0\.1:\d+)\n$/);
  return { child: s.child, done: s.done, address: m[1] as string };
}

describe('the ferry executable', () => {
  it('prints help and exits 0', async () => {
    const r = await ferry(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ferry download <file>');
  });

  it('makes no Intl.Segmenter (~10 ms each start) unless it measures text, as --help does', async () => {
    // Every Intl.Segmenter made in the process says so on stderr.
    const hook = `data:text/javascript,${encodeURIComponent(
      "const S = Intl.Segmenter; Intl.Segmenter = class extends S { constructor(...a) { super(...a); process.stderr.write('SEGMENTER MADE\\n'); } };",
    )}`;
    const withHook = { NODE_OPTIONS: `--import=${hook}` };
    const version = await ferry(['--version'], withHook);
    expect(version.code).toBe(0);
    expect(version.stderr).not.toContain('SEGMENTER MADE');
    const help = await ferry(['index', 'longlist', '--help'], withHook);
    expect(help.stderr).toContain('SEGMENTER MADE');
  });

  it('reports usage errors and failures in one line with exit code 1, never a stack trace', async () => {
    for (const args of [['frobnicate'], ['hash', 'verify'], ['index', 'longlist', '--server', '127.0.0.1:1']]) {
      const r = await ferry(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/^ferry: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
    }
  });

  it('serves until SIGINT, then exits 0; clients exit by themselves when done', async () => {
    const server = await serve();
    const list = await ferry(['index', 'longlist', '--json', '--server', server.address]);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { path: string }[]).map((e) => e.path).sort()).toEqual(['a.txt', 'big.bin']);
    const shell = await ferry(['shell', '--server', server.address], {}, 'FileHash verify a.txt\n');
    expect(shell.code).toBe(0);
    expect(shell.stdout).toContain(createHash('md5').update('alpha\n').digest('hex'));
    server.child.kill('SIGINT');
    const r = await server.done;
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('stops quietly with exit 0 when the reader of its output goes away (| head)', async () => {
    const many = await createTempShare(Object.fromEntries(Array.from({ length: 2500 }, (_, i) => [`f-${i}.txt`, `${i}\n`])));
    const s = start(['serve', many.root, '--port', '0', '--log', path.join(home, 'many.jsonl')]);
    try {
      const address = (await s.stdoutMatch(/tcp:\/\/(127\.0\.0\.1:\d+)\n/))[1] as string;
      const child = execa(process.execPath, [bin, 'index', 'longlist', '--server', address], {
        env,
        extendEnv: false,
        reject: false,
        buffer: { stdout: false },
      });
      // Read the first chunk, then hang up like `head -1` does.
      child.stdout!.once('data', () => child.stdout!.destroy());
      const r = await child;
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
    } finally {
      s.child.kill('SIGTERM');
      await s.done;
      await many.remove();
    }
  });

  it('SIGINT during a download exits 130 and leaves a .part', async () => {
    const server = await serve();
    const port = Number(server.address.split(':')[1]);
    const dest = await fs.mkdtemp(path.join(home, 'dl-'));
    // Hold the server's bytes after 2 MiB so the signal arrives mid-transfer.
    let release = () => {};
    const released = new Promise<void>((r) => (release = r));
    let holding = () => {};
    const held = new Promise<void>((r) => (holding = r));
    const sockets: net.Socket[] = [];
    const relay = net.createServer((c) => {
      const up = net.connect(port, '127.0.0.1');
      sockets.push(c, up);
      let n = 0;
      c.on('data', (d) => up.write(d));
      up.on('data', (d) => {
        n += d.length;
        if (n > 2 * 1024 * 1024) {
          up.pause();
          holding();
          void released.then(() => (c.write(d), up.resume()));
        } else c.write(d);
      });
      for (const s of [c, up]) s.on('error', () => {});
      c.on('close', () => up.destroy());
      up.on('close', () => c.destroy());
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    try {
      const dl = start(['download', 'big.bin', '--dest', dest, '--no-cache', '--server', `127.0.0.1:${(relay.address() as net.AddressInfo).port}`]);
      await held;
      dl.child.kill('SIGINT');
      release();
      const r = await dl.done;
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toContain('interrupted; run the same command again to resume');
      expect(await fs.readdir(dest)).toContain('.big.bin.ferry-part');
    } finally {
      release();
      for (const s of sockets) s.destroy();
      relay.close();
      server.child.kill('SIGTERM');
      expect((await server.done).code).toBe(0);
    }
  });
});

describe('ferry serve and its launcher', () => {
  /** Does anything accept connections on this port? */
  const listening = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => (socket.destroy(), resolve(true)));
      socket.on('error', () => resolve(false));
    });

  it('runs the server with a heap limit, and the server stops when the launcher is killed outright', async () => {
    const s = start(['serve', share.root, '--port', '0', '--log', path.join(home, 'launcher.jsonl')]);
    const port = Number((await s.stdoutMatch(/tcp:\/\/127\.0\.0\.1:(\d+)/))[1]);
    const worker = Number(readFileSync(`/proc/${s.child.pid}/task/${s.child.pid}/children`, 'utf8').trim());
    expect(readFileSync(`/proc/${worker}/cmdline`, 'utf8').split('\0')).toContain('--max-old-space-size=256');
    s.child.kill('SIGKILL');
    await waitFor(async () => !(await listening(port)), 'the server to stop with its launcher');
  });
});
