// The real `ferry tui` in a pseudo-terminal for what only the whole program
// shows: the recent servers it offers with no server named (and what it writes
// back), a changed TLS certificate put to the user and accepted, and the mouse
// turned on while it runs and off when it ends.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import xterm from '@xterm/headless';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, type BuiltCli } from '../helpers/built-cli.js';
import { pty, type IPty } from '../helpers/pty.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let cli: BuiltCli | undefined;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  if (pty) cli = await buildCli('nav');
}, 180_000);
afterAll(async () => {
  await cli?.remove();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

const stateFile = () => path.join(cli!.home, 'state', 'ferry', 'recent-servers.json');
const knownFile = () => path.join(cli!.home, 'data', 'ferry', 'known-servers');

async function serve(options: { tls?: boolean } = {}): Promise<TestServer> {
  const tlsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-nav-tls-'));
  const t = await startTestServer({ 'hello.txt': 'hello\n', 'sub/deep.txt': 'deep\n' }, options.tls ? { tls: true, tlsDir } : {});
  cleanups.push(
    () => t.close(),
    () => fs.rm(tlsDir, { recursive: true, force: true }),
  );
  return t;
}

async function remember(servers: object[]): Promise<void> {
  await fs.mkdir(path.dirname(stateFile()), { recursive: true });
  await fs.writeFile(stateFile(), JSON.stringify({ version: 1, servers }));
}

async function launch(args: string[] = []) {
  const local = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-nav-local-'));
  const term = new xterm.Terminal({ cols: 120, rows: 36, allowProposedApi: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: cli!.home,
    TERM: 'xterm-256color',
    XDG_STATE_HOME: path.join(cli!.home, 'state'),
    XDG_CACHE_HOME: path.join(cli!.home, 'cache'),
    XDG_DATA_HOME: path.join(cli!.home, 'data'),
  };
  const proc: IPty = pty!.spawn(process.execPath, [cli!.bin, 'tui', ...args], { name: 'xterm-256color', cols: 120, rows: 36, cwd: local, env });
  let pending = Promise.resolve();
  proc.onData((d) => {
    pending = pending.then(() => new Promise<void>((r) => term.write(d, r)));
  });
  const exited = new Promise<number>((resolve) => proc.onExit(({ exitCode }) => void pending.then(() => resolve(exitCode))));
  cleanups.push(async () => {
    try {
      proc.kill();
    } catch {
      // already gone
    }
    await fs.rm(local, { recursive: true, force: true });
  });
  const screen = () => {
    const b = term.buffer.active;
    return Array.from({ length: term.rows }, (_, i) => b.getLine(i)?.translateToString(true) ?? '').join('\n');
  };
  const waitScreen = async (pred: (s: string) => boolean, ms = 10_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      await pending;
      const s = screen();
      if (pred(s)) return s;
      if (Date.now() > deadline) throw new Error(`screen never matched; last screen:\n${s}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { term, proc, screen, waitScreen, exited };
}

describe.skipIf(!pty)('navigation in the real program', () => {
  it('offers the recent servers, connects to the one picked, and remembers when', async () => {
    const t = await serve();
    await remember([{ host: '127.0.0.1', port: t.server.port, tls: false, lastUsed: 1 }]);
    const s = await launch();
    await s.waitScreen((x) => x.includes('recent servers') && x.includes(`127.0.0.1:${t.server.port}`));
    s.proc.write('\r');
    await s.waitScreen((x) => x.includes('hello.txt') && x.includes('● connected'));
    // The mouse is asked for while the app runs: a click on sub/ (the first remote row) selects it.
    expect(s.term.modes.mouseTrackingMode).not.toBe('none');
    s.proc.write('\u001B[<0;70;4M\u001B[<0;70;4m');
    await s.waitScreen((x) => /┃▌sub\//.test(x));
    s.proc.write('q');
    expect(await s.exited).toBe(0);
    expect(s.term.modes.mouseTrackingMode).toBe('none');
    const saved = JSON.parse(await fs.readFile(stateFile(), 'utf8'));
    expect(saved.servers).toHaveLength(1);
    expect(saved.servers[0]).toMatchObject({ host: '127.0.0.1', port: t.server.port, tls: false });
    expect(saved.servers[0].lastUsed).toBeGreaterThan(1);
  }, 40_000);

  it('puts a changed certificate to the user; accepted, it is trusted from then on', async () => {
    const t = await serve({ tls: true });
    const real = t.server.fingerprint!;
    const old = `sha256:${'AB:'.repeat(31)}AB`;
    const key = `127.0.0.1:${t.server.port}`;
    await remember([{ host: '127.0.0.1', port: t.server.port, tls: true, fingerprint: old, lastUsed: 2 }]);
    await fs.mkdir(path.dirname(knownFile()), { recursive: true });
    await fs.writeFile(knownFile(), `${key} ${old}\n`);
    const s = await launch();
    await s.waitScreen((x) => x.includes('recent servers'));
    s.proc.write('\r');
    const warning = await s.waitScreen((x) => x.includes('has changed'));
    expect(warning).toContain(real.split(':').slice(1, 17).join(':'));
    // Enter is no answer; a is.
    s.proc.write('\r');
    await s.waitScreen((x) => x.includes('has changed'));
    s.proc.write('a');
    await s.waitScreen((x) => x.includes('hello.txt') && x.includes('● connected'));
    s.proc.write('q');
    expect(await s.exited).toBe(0);
    expect(await fs.readFile(knownFile(), 'utf8')).toBe(`${key} ${real}\n`);
    const saved = JSON.parse(await fs.readFile(stateFile(), 'utf8'));
    expect(saved.servers[0]).toMatchObject({ port: t.server.port, tls: true, fingerprint: real });
  }, 40_000);
});
