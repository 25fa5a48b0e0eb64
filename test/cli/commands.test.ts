// The real CLI (`main()` in-process) against a real server on port 0 over a
// temp share with known contents and times. Expected answers are computed
// here from the files themselves, not from the server.

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes, formatTime } from '../../src/client/format.js';
import { FerryServer } from '../../src/server/server.js';
import { createTempShare, type TempShare } from '../helpers/temp-share.js';
import { main } from '../../src/cli/main.js';
import { fakeIo, run } from './fake-io.js';

const local = (...a: number[]) => new Date(a[0] as number, (a[1] as number) - 1, a[2], a[3] ?? 0, a[4] ?? 0, a[5] ?? 0).getTime();
const BIN = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff));

const SPEC = {
  'a.txt': { content: 'alpha lighthouse\n', mtime: local(2019, 3, 1, 10) },
  'b.md': { content: 'beta\n', mtime: local(2020, 6, 15, 12) },
  'docs/c.txt': { content: 'gamma lighthouse keeper\n', mtime: local(2021, 1, 10, 8) },
  'docs/deep/d.bin': { content: BIN, mtime: local(2022, 12, 31, 23, 59, 59) },
  'my file.txt': { content: 'spaces in the name\n', mtime: local(2023, 5, 5, 5, 5, 5) },
  '.hidden.txt': { content: 'secret lighthouse\n', mtime: local(2020, 2, 2) },
};
const VISIBLE_FILES = ['a.txt', 'b.md', 'docs/c.txt', 'docs/deep/d.bin', 'my file.txt'];

let share: TempShare;
let server: FerryServer;
let scratch: string;
let env: Record<string, string>;

interface Truth {
  path: string;
  name: string;
  ext: string;
  size: number;
  mtimeMs: number;
  type: 'file' | 'dir';
  md5?: string;
}

/** Walk the share with fs: what a correct listing must say. */
async function truth(rel = '', hidden = false): Promise<Truth[]> {
  const out: Truth[] = [];
  for (const d of await fs.readdir(path.join(share.root, rel), { withFileTypes: true })) {
    if (!hidden && d.name.startsWith('.')) continue;
    const p = rel ? `${rel}/${d.name}` : d.name;
    const abs = path.join(share.root, p);
    const st = await fs.stat(abs);
    const dir = d.isDirectory();
    const dot = d.name.lastIndexOf('.');
    out.push({
      path: p,
      name: d.name,
      ext: !dir && dot > 0 ? d.name.slice(dot).toLowerCase() : '',
      size: dir ? 0 : st.size,
      mtimeMs: st.mtimeMs,
      type: dir ? 'dir' : 'file',
      ...(dir ? {} : { md5: createHash('md5').update(await fs.readFile(abs)).digest('hex') }),
    });
    if (dir) out.push(...(await truth(p, hidden)));
  }
  return out.sort((x, y) => x.path.localeCompare(y.path));
}

const files = (t: Truth[]) => t.filter((e) => e.type === 'file');
const byPath = <T extends { path: string }>(rows: T[]) => [...rows].sort((x, y) => x.path.localeCompare(y.path));

async function cli(argv: string[], options: { stdin?: string; cwd?: string } = {}) {
  return run(argv, { env, ...options });
}

async function json<T>(argv: string[]): Promise<T> {
  const r = await cli([...argv, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as T;
}

beforeAll(async () => {
  share = await createTempShare(SPEC);
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-cli-'));
  server = await FerryServer.start({ root: share.root, host: '127.0.0.1', port: 0, logFile: path.join(scratch, 'log.jsonl'), hashIndexFile: null });
  env = { FERRY_SERVER: `127.0.0.1:${server.port}`, FERRY_CACHE_DIR: path.join(scratch, 'cache') };
});

afterAll(async () => {
  await server?.close();
  await share?.remove();
  await fs.rm(scratch, { recursive: true, force: true });
});

describe('ferry index', () => {
  it('longlist --json is every visible entry with path, name, ext, size, ISO mtime and type', async () => {
    const rows = await json<Record<string, unknown>[]>(['index', 'longlist']);
    const expected = (await truth()).map(({ md5: _m, mtimeMs, ...e }) => ({ ...e, mtime: new Date(mtimeMs).toISOString() }));
    expect(byPath(rows as { path: string }[])).toEqual(expected);
  });

  it('longlist prints an aligned table with human sizes, local times and a summary', async () => {
    const r = await cli(['index', 'longlist']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PATH\s+SIZE\s+MODIFIED\s+TYPE$/);
    const sizeEnd = (lines[0] as string).indexOf('SIZE') + 4;
    for (const f of files(await truth())) {
      const line = lines.find((l) => l.startsWith(`${f.path}  `) || l.startsWith(`${f.path} `));
      expect(line, f.path).toBeDefined();
      expect(line).toContain(`${formatBytes(f.size)}  ${formatTime(f.mtimeMs)}  file`);
      expect((line as string).indexOf(formatBytes(f.size)) + formatBytes(f.size).length).toBe(sizeEnd); // right-aligned
    }
    const total = files(await truth()).reduce((s, f) => s + f.size, 0);
    expect(lines.at(-1)).toBe(`5 files, 2 folders, ${formatBytes(total)}`);
  });

  it('filters by extension, keyword, folder, depth and hidden files', async () => {
    const paths = async (argv: string[]) => (await json<{ path: string; type: string }[]>(['index', 'longlist', ...argv])).filter((e) => e.type === 'file').map((e) => e.path).sort();
    expect(await paths(['--ext', '.txt'])).toEqual(['a.txt', 'docs/c.txt', 'my file.txt']);
    expect(await paths(['--ext', 'TXT'])).toEqual(['a.txt', 'docs/c.txt', 'my file.txt']);
    expect(await paths(['--keyword', 'lighthouse'])).toEqual(['a.txt', 'docs/c.txt']);
    expect(await paths(['--ext', '.txt', '--keyword', 'keeper'])).toEqual(['docs/c.txt']);
    expect(await paths(['--path', 'docs'])).toEqual(['docs/c.txt', 'docs/deep/d.bin']);
    expect(await paths(['--no-recursive'])).toEqual(['a.txt', 'b.md', 'my file.txt']);
    expect(await paths(['--hidden', '--ext', '.txt'])).toEqual(['.hidden.txt', 'a.txt', 'docs/c.txt', 'my file.txt']);
  });

  it('shortlist keeps files modified strictly inside the range', async () => {
    const all = files(await truth());
    const check = async (start: string, end: string, after: number, before: number, extra: string[] = []) => {
      const rows = await json<{ path: string; type: string }[]>(['index', 'shortlist', start, end, ...extra]);
      const expected = all.filter((f) => f.mtimeMs > after && f.mtimeMs < before && (!extra.includes('.txt') || f.ext === '.txt'));
      expect(rows.filter((e) => e.type === 'file').map((e) => e.path).sort()).toEqual(expected.map((f) => f.path).sort());
      return expected.length;
    };
    expect(await check('2020-01-01', '2021-12-31', local(2020, 1, 1), local(2022, 1, 1))).toBe(2);
    expect(await check('2020-01-01 00:00:00', '2023-12-31T00:00:00', local(2020, 1, 1), local(2023, 12, 31), ['--ext', '.txt'])).toBe(2);
    // The bounds are exclusive: a file modified exactly at START is left out.
    expect(await check('2019-03-01 10:00:00', '2019-03-01 10:00:01', local(2019, 3, 1, 10), local(2019, 3, 1, 10, 0, 1))).toBe(0);
    expect(await check('2019-03-01 09:59:59', '2019-03-01 10:00:01', local(2019, 3, 1, 9, 59, 59), local(2019, 3, 1, 10, 0, 1))).toBe(1);
  });

  it('reports a folder outside the share or missing as an error', async () => {
    for (const p of ['../outside', '/etc', 'nope']) {
      const r = await cli(['index', 'longlist', '--path', p]);
      expect(r.code, p).toBe(1);
      expect(r.stderr).toMatch(/^ferry: \S.*\n$/);
      expect(r.stdout).toBe('');
    }
    await share.assertSentinelIntact();
  });
});

describe('ferry hash', () => {
  it('verify gives the MD5, size and time of one file', async () => {
    const t = files(await truth()).find((f) => f.path === 'docs/deep/d.bin') as Truth;
    expect(await json(['hash', 'verify', 'docs/deep/d.bin'])).toEqual({ path: t.path, md5: t.md5, size: t.size, mtime: new Date(t.mtimeMs).toISOString() });
    const r = await cli(['hash', 'verify', 'docs/deep/d.bin', '--rehash']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[1]).toBe(`${t.md5}  ${formatBytes(t.size).padStart(10)}  ${formatTime(t.mtimeMs)}  docs/deep/d.bin`);
  });

  it('checkall lists every file with its MD5', async () => {
    const expected = files(await truth()).map((f) => ({ path: f.path, md5: f.md5, size: f.size, mtime: new Date(f.mtimeMs).toISOString() }));
    expect(byPath(await json<{ path: string }[]>(['hash', 'checkall']))).toEqual(expected);
    const r = await cli(['hash', 'checkall', '--path', 'docs']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^MD5\s+SIZE\s+MODIFIED\s+PATH$/);
    expect(lines.slice(1, -1).map((l) => l.split(/\s{2,}/).at(-1)).sort()).toEqual(['docs/c.txt', 'docs/deep/d.bin']);
    expect(lines.at(-1)).toMatch(/^2 files, .* hashed in \d+\.\d\d s$/);
  });

  it('checkall shows files done out of the total on a terminal, then erases the line', async () => {
    const r = await run(['hash', 'checkall', '--rehash'], { env, tty: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`hashing 0/5 files  0 B / ${formatBytes(files(await truth()).reduce((s, f) => s + f.size, 0))}`);
    expect(r.stderr).toMatch(/hashing 5\/5 files/);
    expect(r.stderr.endsWith('\r\x1b[2K')).toBe(true);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(7); // header, five rows, summary
  });

  it('fails clearly for a missing file or one outside the share', async () => {
    for (const p of ['missing.txt', '../outside/sentinel.txt', 'docs']) {
      const r = await cli(['hash', 'verify', p]);
      expect(r.code, p).toBe(1);
      expect(r.stderr).toMatch(/^ferry: \S.*\n$/);
    }
  });
});

describe('ferry download', () => {
  it('saves a verified copy and reports miss, then hit, then bypass', async () => {
    const dest = await fs.mkdtemp(path.join(scratch, 'dl-'));
    const t = files(await truth()).find((f) => f.path === 'docs/deep/d.bin') as Truth;
    const first = await json<Record<string, unknown>>(['download', 'docs/deep/d.bin', '--dest', dest]);
    expect(first).toMatchObject({ path: 'docs/deep/d.bin', dest: path.join(dest, 'd.bin'), bytes: t.size, md5: t.md5, verified: true, transport: 'tcp', cache: 'miss' });
    expect(typeof first.seconds).toBe('number');
    expect(Buffer.compare(await fs.readFile(path.join(dest, 'd.bin')), BIN)).toBe(0);
    const again = await fs.mkdtemp(path.join(scratch, 'dl-'));
    const second = await json<Record<string, unknown>>(['download', 'docs/deep/d.bin', '--dest', again]);
    expect(second).toMatchObject({ cache: 'hit', md5: t.md5, transferred: 0 });
    expect(Buffer.compare(await fs.readFile(path.join(again, 'd.bin')), BIN)).toBe(0);
    const third = await json<Record<string, unknown>>(['download', 'docs/deep/d.bin', '--dest', await fs.mkdtemp(path.join(scratch, 'dl-')), '--no-cache']);
    expect(third).toMatchObject({ cache: 'bypass', transferred: t.size });
    // Already there with the same bytes: nothing is written, and --json says so.
    const same = await json<Record<string, unknown>>(['download', 'docs/deep/d.bin', '--dest', dest]);
    expect(same).toMatchObject({ identical: true, md5: t.md5 });
  });

  it('prints name, size, time, MD5 and cache outcome for people', async () => {
    const dest = await fs.mkdtemp(path.join(scratch, 'dl-'));
    const t = files(await truth()).find((f) => f.path === 'my file.txt') as Truth;
    const r = await cli(['download', 'my file.txt', '--dest', dest, '--no-cache']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(''); // no progress bar when stderr is not a terminal
    expect(r.stdout).toContain(`my file.txt  ${formatBytes(t.size)}  ${formatTime(t.mtimeMs)}`);
    expect(r.stdout).toContain(`${t.md5} (verified)`);
    expect(r.stdout).toMatch(/cache\s+bypass/);
  });

  it('refuses to overwrite, and fails for missing and outside paths', async () => {
    const dest = await fs.mkdtemp(path.join(scratch, 'dl-'));
    await fs.writeFile(path.join(dest, 'a.txt'), 'mine');
    const exists = await cli(['download', 'a.txt', '--dest', dest]);
    expect(exists.code).toBe(1);
    expect(exists.stderr).toMatch(/^ferry: /);
    expect(await fs.readFile(path.join(dest, 'a.txt'), 'utf8')).toBe('mine');
    for (const p of ['nope.txt', '../outside/sentinel.txt']) {
      const r = await cli(['download', p, '--dest', dest]);
      expect(r.code, p).toBe(1);
      expect(r.stderr).toMatch(/^ferry: \S.*\n$/);
    }
    expect((await fs.readdir(dest)).sort()).toEqual(['a.txt']);
    await share.assertSentinelIntact();
  });
});

describe('ferry cache', () => {
  it('lists, counts, removes and clears what downloads put there', async () => {
    const cacheDir = path.join(scratch, 'cache-cmd');
    const t = files(await truth()).find((f) => f.path === 'a.txt') as Truth & { md5: string };
    const dest = await fs.mkdtemp(path.join(scratch, 'dl-'));
    expect((await cli(['download', 'a.txt', '--dest', dest, '--cache-dir', cacheDir])).code).toBe(0);
    expect((await cli(['download', 'b.md', '--dest', dest, '--cache-dir', cacheDir])).code).toBe(0);

    const list = await json<{ md5: string; remotePath: string; size: number }[]>(['cache', 'list', '--cache-dir', cacheDir]);
    expect(list.map((e) => e.remotePath).sort()).toEqual(['a.txt', 'b.md']);
    expect(list.find((e) => e.remotePath === 'a.txt')).toMatchObject({ md5: t.md5, size: t.size });
    const human = await cli(['cache', 'list', '--cache-dir', cacheDir]);
    expect(human.stdout).toMatch(/^MD5\s+SIZE\s+LAST USED\s+HITS\s+FROM$/m);
    expect(human.stdout).toContain(t.md5);

    const stats = await json<{ entries: number; bytes: number; dir: string }>(['cache', 'stats', '--cache-dir', cacheDir]);
    expect(stats).toMatchObject({ entries: 2, dir: cacheDir });

    const rm = await cli(['cache', 'rm', t.md5, '--cache-dir', cacheDir]);
    expect(rm).toMatchObject({ code: 0, stdout: 'removed 1 file\n' });
    const none = await cli(['cache', 'rm', t.md5, '--cache-dir', cacheDir]);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe(`ferry: nothing in the cache matches '${t.md5}'\n`);
    expect((await cli(['cache', 'rm', 'b.md', '--cache-dir', cacheDir])).code).toBe(0);
    expect((await cli(['cache', 'list', '--cache-dir', cacheDir])).stdout).toBe('the cache is empty\n');

    await cli(['download', 'a.txt', '--dest', await fs.mkdtemp(path.join(scratch, 'dl-')), '--cache-dir', cacheDir]);
    expect((await cli(['cache', 'clear', '--cache-dir', cacheDir])).stdout).toMatch(/^removed 1 file /);
    expect(await json(['cache', 'list', '--cache-dir', cacheDir])).toEqual([]);
  });
});

describe('ferry logs', () => {
  it('--follow prints records as they happen until Ctrl-C, then exits 0', async () => {
    const io = fakeIo({ env });
    const done = main(['logs', '--follow', '--json', '--limit', '0'], io);
    // Keep issuing a distinctive request until it shows up: following may start just after the first.
    const marker = 'follow-marker.txt';
    const seen = io.waitForStdout(marker);
    let stop = false;
    void seen.finally(() => (stop = true)).catch(() => {});
    while (!stop) {
      await cli(['hash', 'verify', marker]);
      await Promise.race([seen.catch(() => {}), new Promise((r) => setImmediate(r))]);
    }
    await seen;
    io.interrupt('SIGINT');
    expect(await done).toBe(0);
    const records = io.stdoutText().trimEnd().split('\n').map((l) => JSON.parse(l) as { command: string; outcome: string });
    expect(records.some((r) => r.outcome !== 'ok' && JSON.stringify(r).includes(marker))).toBe(true);
  });

  it('prints the command log as JSON lines and as a table', async () => {
    await cli(['hash', 'verify', 'a.txt']);
    const r = await cli(['logs', '--json', '--limit', '3']);
    expect(r.code).toBe(0);
    const records = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { command: string; outcome: string });
    expect(records.length).toBeGreaterThan(0);
    expect(records.length).toBeLessThanOrEqual(3);
    for (const rec of records) expect(Object.keys(rec)).toEqual(expect.arrayContaining(['time', 'client', 'command', 'args', 'outcome', 'bytes', 'ms']));
    const table = await cli(['logs']);
    expect(table.stdout.split('\n')[0]).toMatch(/^TIME\s+CLIENT\s+COMMAND\s+OUTCOME\s+BYTES\s+MS$/);
    expect(table.stdout).toMatch(/hash a\.txt/);
  });
});

describe('ferry shell', () => {
  it('runs classic commands from a pipe, survives a bad one and stops at quit', async () => {
    const dest = await fs.mkdtemp(path.join(scratch, 'sh-'));
    const t = await truth();
    const script = [
      'IndexGet longlist .txt',
      'FileHash verify a.txt',
      'bogus command',
      '# a comment',
      '',
      'FileDownload TCP "my file.txt"',
      `IndexGet shortlist 2020-01-01 00:00:00 2021-12-31 23:59:59`,
      'quit',
      'FileHash checkall',
    ].join('\n');
    const r = await cli(['shell', '--dest', dest, '--no-cache'], { stdin: `${script}\n` });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('$ ');
    for (const p of ['a.txt', 'docs/c.txt', 'my file.txt']) expect(r.stdout).toMatch(new RegExp(`^${p}\\s`, 'm'));
    expect(r.stdout).toContain((t.find((f) => f.path === 'a.txt') as Truth).md5);
    expect(r.stderr).toContain("ferry: unknown command 'bogus'");
    expect(r.stderr).toContain('IndexGet shortlist START END');
    expect(await fs.readFile(path.join(dest, 'my file.txt'), 'utf8')).toBe(SPEC['my file.txt'].content);
    expect(r.stdout).toMatch(/^b\.md\s/m);
    expect(r.stdout).not.toMatch(/hashed in/); // nothing ran after quit
  });

  it('ends cleanly at end of input and reports failing commands without stopping', async () => {
    const r = await cli(['shell', '--json'], { stdin: 'FileHash verify missing.txt\nFileHash verify b.md\n' });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^ferry: \S/);
    const b = files(await truth()).find((f) => f.path === 'b.md') as Truth;
    expect(JSON.parse(r.stdout)).toMatchObject({ path: 'b.md', md5: b.md5 });
  });

  it('on a terminal, greets, prompts with "$ " and keeps going after a bad line', async () => {
    const r = await run(['shell'], { env, tty: true, stdin: 'help\nnonsense\nquit\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`connected to ${env.FERRY_SERVER}`);
    expect(r.stdout).toContain('$ ');
    expect(r.stdout).toContain('FileDownload TCP|UDP FILE');
    expect(r.stderr).toContain("ferry: unknown command 'nonsense'");
  });
});
