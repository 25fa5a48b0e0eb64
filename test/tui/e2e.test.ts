// The real `ferry tui` in a pseudo-terminal, read back through a headless xterm:
// the screen a person would see, the keys they would press, and the terminal they
// get back. Built into a scratch folder under node_modules (as the CLI's binary
// test does) so dist/ is never touched.

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import xterm from '@xterm/headless';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../helpers/built-cli.js';
import { pty, type IPty } from '../helpers/pty.js';

let home: string;
let bin: string;
let shareDir: string;
const BIG = Buffer.alloc(8 * 1024 * 1024);
for (let i = 0; i < BIG.length; i++) BIG[i] = (i * 2654435761) >>> 24;

beforeAll(async () => {
  if (!pty) return;
  ({ home, bin } = await buildCli('tui'));
  shareDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-e2e-share-'));
  await fs.writeFile(path.join(shareDir, 'hello.txt'), 'hello over the wire\n');
  await fs.writeFile(path.join(shareDir, 'big.bin'), BIG);
  await fs.mkdir(path.join(shareDir, 'sub'));
  await fs.writeFile(path.join(shareDir, 'sub', 'deep.txt'), 'deep\n');
}, 180_000);

afterAll(async () => {
  if (home) await fs.rm(home, { recursive: true, force: true });
  if (shareDir) await fs.rm(shareDir, { recursive: true, force: true });
});

interface Session {
  term: InstanceType<typeof xterm.Terminal>;
  proc: IPty;
  local: string;
  screen(): string;
  waitScreen(pred: (s: string) => boolean, ms?: number): Promise<string>;
  exited: Promise<number>;
}

let current: Session | undefined;
afterEach(async () => {
  try {
    current?.proc.kill();
  } catch {
    // already gone
  }
  if (current) await fs.rm(current.local, { recursive: true, force: true });
  current = undefined;
});

async function launch(cols = 120, rows = 36, extraEnv: Record<string, string> = {}, args?: string[], more: string[] = []): Promise<Session> {
  const local = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-e2e-local-'));
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true });
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    TERM: 'xterm-256color',
    XDG_STATE_HOME: path.join(home, 'state'),
    XDG_CACHE_HOME: path.join(home, 'cache'),
    XDG_DATA_HOME: path.join(home, 'data'),
    ...extraEnv,
  };
  const proc = pty!.spawn(process.execPath, [bin, 'tui', ...(args ?? ['--share', shareDir, '--local', local]), ...more], {
    name: 'xterm-256color',
    cols,
    rows,
    cwd: local,
    env,
  });
  // Text the user had on screen before: it must be there again afterwards.
  await new Promise<void>((r) => term.write('previous shell output\r\n', r));
  let pending = Promise.resolve();
  proc.onData((d) => {
    pending = pending.then(() => new Promise<void>((r) => term.write(d, r)));
  });
  const exited = new Promise<number>((resolve) => proc.onExit(({ exitCode }) => void pending.then(() => resolve(exitCode))));
  const screen = () => {
    const b = term.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < term.rows; i++) out.push(b.getLine(i)?.translateToString(true) ?? '');
    return out.join('\n');
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
  current = { term, proc, local, screen, waitScreen, exited };
  return current;
}

describe.skipIf(!pty)('ferry tui in a pseudo-terminal', () => {
  it('with the sample share and no --local, downloads into a scratch folder of its own, not the current one', async () => {
    const s = await launch(120, 36, {}, []);
    await s.waitScreen((x) => x.includes('README.txt') && /┌ local .*sample-downloads/.test(x));
    s.proc.write(':');
    await s.waitScreen((x) => x.includes('Enter run'));
    s.proc.write('FileDownload TCP README.txt\r');
    await s.waitScreen((x) => /TCP README\.txt .*md5 ✓/.test(x));
    const scratch = path.join(home, 'data', 'ferry', 'sample-downloads');
    expect(await fs.readFile(path.join(scratch, 'README.txt'), 'utf8')).toContain('Welcome to the ferry sample share');
    expect(await fs.readdir(s.local)).toEqual([]);
    s.proc.write('q');
    expect(await s.exited).toBe(0);
  }, 30_000);

  it('makes, renames and deletes a folder on a writable share with F7, F6 and Delete, as a terminal sends them', async () => {
    const s = await launch(120, 36, {}, undefined, ['--allow-write']);
    await s.waitScreen((x) => x.includes('hello.txt') && x.includes('● connected'));
    s.proc.write('\u001B[18~'); // F7
    await s.waitScreen((x) => x.includes('make folder in server /'));
    s.proc.write('made\r');
    await s.waitScreen((x) => /┃[ ▌]made\//.test(x));
    expect((await fs.stat(path.join(shareDir, 'made'))).isDirectory()).toBe(true);
    s.proc.write('g');
    await s.waitScreen((x) => /┃▌made\//.test(x));
    s.proc.write('\u001B[17~'); // F6
    await s.waitScreen((x) => x.includes('to local: /'));
    s.proc.write('\t');
    await s.waitScreen((x) => x.includes('to server: made'));
    s.proc.write('\u0015renamed\r'); // Ctrl-U, the new name, Enter
    await s.waitScreen((x) => /┃[ ▌]renamed\//.test(x));
    expect(await fs.readdir(shareDir)).toContain('renamed');
    s.proc.write('g');
    await s.waitScreen((x) => /┃▌renamed\//.test(x));
    s.proc.write('\u001B[3~'); // Delete
    await s.waitScreen((x) => x.includes('Delete the folder renamed (0 B)?'));
    s.proc.write('y');
    await s.waitScreen((x) => !/renamed\//.test(x) && x.includes('✓ deleted renamed'));
    expect((await fs.readdir(shareDir)).sort()).toEqual(['big.bin', 'hello.txt', 'sub']);
    s.proc.write('q');
    expect(await s.exited).toBe(0);
  }, 30_000);

  it('filters by name as typed, views a file with F3 as a terminal sends it, and finds a name in the tree', async () => {
    const s = await launch(120, 36);
    await s.waitScreen((x) => x.includes('hello.txt') && x.includes('● connected'));
    s.proc.write('/');
    await s.waitScreen((x) => x.includes('filter names:'));
    s.proc.write('hel');
    await s.waitScreen((x) => x.includes('[/hel]') && !/┃[ ▌]big\.bin/.test(x));
    s.proc.write('\r'); // Enter keeps the filter
    await s.waitScreen((x) => !x.includes('filter names:') && x.includes('/ filter'));
    s.proc.write('\u001BOR'); // F3 views the file under the cursor
    await s.waitScreen((x) => x.includes('view  remote  hello.txt') && /1 hello over the wire/.test(x));
    s.proc.write('q');
    await s.waitScreen((x) => !x.includes('view  remote'));
    s.proc.write('F');
    await s.waitScreen((x) => x.includes('find names in the tree below:'));
    s.proc.write('deep\r');
    await s.waitScreen((x) => x.includes('[find "deep"]') && /┃▌sub\/deep\.txt/.test(x));
    s.proc.write('\r');
    await s.waitScreen((x) => !x.includes('[find') && /┃▌deep\.txt/.test(x));
    s.proc.write('q');
    expect(await s.exited).toBe(0);
  }, 30_000);

  it('browses, downloads with a verified MD5, and gives the terminal back on q', async () => {
    const s = await launch();
    let screen = await s.waitScreen((x) => x.includes('hello.txt') && x.includes('big.bin') && x.includes('● connected'));
    expect(s.term.buffer.active.type).toBe('alternate');
    const lines = screen.split('\n');
    expect(lines.filter((l) => l.includes(' ferry ')).length).toBe(1);
    expect(lines[1]).toMatch(/^┌ local .*┐┏ remote .*┓$/);
    // Folder first; sub/deep.txt is not listed at the root.
    expect(screen).not.toContain('deep.txt');
    s.proc.write('G');
    await s.waitScreen((x) => /┃▌hello\.txt/.test(x));
    s.proc.write('d');
    screen = await s.waitScreen((x) => x.includes('md5 ✓'));
    const md5 = createHash('md5').update('hello over the wire\n').digest('hex');
    expect(screen).toMatch(new RegExp(`TCP hello\\.txt .*100% .*md5 ✓ ${md5.slice(0, 4)}…${md5.slice(-4)}`));
    expect(await fs.readFile(path.join(s.local, 'hello.txt'), 'utf8')).toBe('hello over the wire\n');
    // The local pane shows the new file.
    await s.waitScreen((x) => /│[ ›▌]hello\.txt +20 B/.test(x));
    // A folder comes down whole, its files through the queue, into a folder of the same name.
    s.proc.write('g');
    await s.waitScreen((x) => /┃▌sub\//.test(x));
    s.proc.write('d');
    await s.waitScreen((x) => /TCP deep\.txt .*md5 ✓/.test(x) && /│ 1\/1 files .*✓ done/.test(x));
    expect(await fs.readFile(path.join(s.local, 'sub', 'deep.txt'), 'utf8')).toBe('deep\n');
    s.proc.write('q');
    expect(await s.exited).toBe(0);
    expect(s.term.buffer.active.type).toBe('normal');
    const after = s.screen();
    expect(after).toContain('previous shell output');
    expect(after).not.toContain('remote');
  }, 30_000);

  it('downloads a large file while browsing on; Ctrl-C restores the terminal', async () => {
    const s = await launch();
    await s.waitScreen((x) => x.includes('big.bin'));
    s.proc.write('j');
    await s.waitScreen((x) => /┃▌big\.bin/.test(x));
    s.proc.write('d');
    // Keep browsing while it runs.
    s.proc.write('g\r');
    await s.waitScreen((x) => x.includes('deep.txt'));
    const screen = await s.waitScreen((x) => /TCP big\.bin .*md5 ✓/.test(x), 20_000);
    expect(screen).toMatch(/TCP big\.bin .*100% +8\.0 MiB/);
    const got = await fs.readFile(path.join(s.local, 'big.bin'));
    expect(createHash('md5').update(got).digest('hex')).toBe(createHash('md5').update(BIG).digest('hex'));
    s.proc.write('\u0003');
    await s.exited;
    expect(s.term.buffer.active.type).toBe('normal');
    expect(s.screen()).toContain('previous shell output');
  }, 40_000);

  it('a UDP download ends verified or with its error in place, never a frozen screen', async () => {
    const s = await launch();
    await s.waitScreen((x) => x.includes('hello.txt'));
    s.proc.write('G');
    await s.waitScreen((x) => /┃▌hello\.txt/.test(x));
    s.proc.write('D');
    const screen = await s.waitScreen((x) => /UDP hello\.txt .*(md5 ✓|✗)/.test(x), 20_000);
    expect(screen).not.toMatch(/\bat .*\.js:\d+/);
    // Still responsive afterwards.
    s.proc.write('?');
    await s.waitScreen((x) => x.includes('help · Esc close'));
    s.proc.write('q');
    await s.waitScreen((x) => !x.includes('help · Esc close'));
    s.proc.write('q');
    expect(await s.exited).toBe(0);
  }, 40_000);

  it('lays itself out again after a resize to 80x24', async () => {
    const s = await launch(120, 36);
    await s.waitScreen((x) => x.includes('big.bin') && /\d{4}-\d\d-\d\d \d\d:\d\d/.test(x));
    s.proc.resize(80, 24);
    s.term.resize(80, 24);
    const screen = await s.waitScreen((x) => x.includes('big.bin') && !/\d{4}-\d\d-\d\d \d\d:\d\d/.test(x));
    const lines = screen.split('\n');
    expect(lines).toHaveLength(24);
    expect(lines.filter((l) => l.includes(' ferry ')).length).toBe(1);
    expect(lines[0]).toContain(' ferry ');
    // The footer is on the row above the one kept free.
    expect(lines[22]).toMatch(/q quit/);
    s.proc.write('q');
    await s.exited;
  }, 30_000);

  it('draws without colour under NO_COLOR', async () => {
    const s = await launch(120, 36, { NO_COLOR: '1' });
    await s.waitScreen((x) => x.includes('big.bin'));
    const b = s.term.buffer.active;
    const cell = b.getLine(0)?.getCell(1); // the 'f' of ' ferry '
    expect(cell?.getChars()).toBe('f');
    expect(cell?.isFgDefault()).toBe(true);
    s.proc.write('q');
    await s.exited;
  }, 30_000);
});
