// The first five minutes on a machine with Node and nothing else: a copy of the
// checkout, a PATH with the system's programs but no compiler (no cc, g++, make
// or python3), `npm install`, then `npm start` in a pseudo-terminal showing the app.
// Packages come from npm's cache where it has them (--prefer-offline).

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import xterm from '@xterm/headless';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pty } from '../helpers/pty.js';

const repo = path.resolve(import.meta.dirname, '../..');
let work: string;
let checkout: string;
let env: Record<string, string>;
let install: { exitCode?: number; all?: string };

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-fresh-'));
  checkout = path.join(work, 'ferry');
  // The files a clone would have: what git tracks, as they are on disk now.
  const { stdout } = await execa('git', ['ls-files', '-z'], { cwd: repo });
  for (const file of stdout.split('\0').filter(Boolean)) {
    await fs.mkdir(path.dirname(path.join(checkout, file)), { recursive: true });
    await fs.copyFile(path.join(repo, file), path.join(checkout, file)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err; // deleted in the work tree, not yet in git
    });
  }
  // The system's programs, less every compiler and build tool node-gyp would look for.
  const bin = path.join(work, 'bin');
  await fs.mkdir(bin);
  const buildTools = /^(cc|c\+\+|gcc|g\+\+|cpp|clang|clang\+\+|make|gmake|cmake|python[0-9.]*|.*-(gcc|g\+\+|cc)(-[0-9.]+)?)$/;
  for (const dir of [path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin']) {
    for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
      if (buildTools.test(name) || /^(gcc|g\+\+|cc|c\+\+|python)/.test(name)) continue;
      await fs.symlink(path.join(dir, name), path.join(bin, name)).catch(() => {}); // first one wins, as on a PATH
    }
  }
  const home = path.join(work, 'home');
  await fs.mkdir(home);
  env = {
    PATH: bin,
    HOME: home,
    // npm's own cache, so the install needs the registry only for what it has never seen.
    npm_config_cache: path.join(os.homedir(), '.npm'),
    npm_config_update_notifier: 'false',
    XDG_DATA_HOME: path.join(home, 'data'),
    XDG_STATE_HOME: path.join(home, 'state'),
    XDG_CACHE_HOME: path.join(home, 'cache'),
    XDG_CONFIG_HOME: path.join(home, 'config'),
    TERM: 'xterm-256color',
  };
  install = await execa('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: checkout, env, extendEnv: false, reject: false, all: true });
}, 300_000);

afterAll(async () => {
  if (work) await fs.rm(work, { recursive: true, force: true });
});

describe('a fresh checkout on a machine without a compiler', () => {
  it('has no compiler on the PATH it installs with', async () => {
    for (const tool of ['cc', 'gcc', 'g++', 'make', 'python3', 'python']) {
      const found = await execa('sh', ['-c', `command -v ${tool}`], { env, extendEnv: false, reject: false });
      expect(found.exitCode, tool).not.toBe(0);
    }
  });

  it('npm install succeeds, builds the CLI, and prints no build noise', () => {
    expect(install.exitCode, install.all).toBe(0);
    expect(install.all).not.toMatch(/gyp|node-gyp|asset │|chunk │/);
  });

  it.skipIf(!pty)(
    'npm start opens the app over the sample share, and q leaves it',
    async () => {
      const term = new xterm.Terminal({ cols: 100, rows: 30, allowProposedApi: true });
      const proc = pty!.spawn(path.join(work, 'bin', 'npm'), ['start', '--silent'], { name: 'xterm-256color', cols: 100, rows: 30, cwd: checkout, env });
      let pending = Promise.resolve();
      proc.onData((d) => {
        pending = pending.then(() => new Promise<void>((r) => term.write(d, r)));
      });
      const exited = new Promise<number>((resolve) => proc.onExit(({ exitCode }) => resolve(exitCode)));
      const screen = () => {
        const lines: string[] = [];
        for (let i = 0; i < term.rows; i++) lines.push(term.buffer.active.getLine(i)?.translateToString(true) ?? '');
        return lines.join('\n');
      };
      try {
        const deadline = Date.now() + 30_000;
        for (;;) {
          await pending;
          const s = screen();
          if (s.includes('README.txt') && s.includes('sample-downloads')) break;
          if (Date.now() > deadline) throw new Error(`the app never showed the sample share:\n${s}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        proc.write('q');
        expect(await exited).toBe(0);
      } finally {
        try {
          proc.kill();
        } catch {
          // already gone
        }
      }
    },
    60_000,
  );
});
