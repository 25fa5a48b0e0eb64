// `ferry download`, `cache`, `logs` and `shell` (in-process) against a real server.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatBytes, formatTime } from '../../src/format.js';
import { ChunkHasher } from '../../src/protocol/chunk-hash.js';
import { BIN, cli, env, files, json, scratch, share, SPEC, truth, useShareServer, type Truth } from './fixture.js';
import { main } from '../../src/cli/main.js';
import { fakeIo, run } from './fake-io.js';

useShareServer();

/** The BLAKE3 root (chunk-hash.ts) of docs/deep/d.bin. */
function rootOfBin(): string {
  const h = new ChunkHasher(BIN.length);
  h.update(BIN);
  return h.finish().blake3;
}

describe('ferry download', () => {
  it('saves a verified copy and reports miss, then hit, then bypass', async () => {
    const dest = await fs.mkdtemp(path.join(scratch, 'dl-'));
    const t = files(await truth()).find((f) => f.path === 'docs/deep/d.bin') as Truth;
    const first = await json<Record<string, unknown>>(['download', 'docs/deep/d.bin', '--dest', dest]);
    expect(first).toMatchObject({
      path: 'docs/deep/d.bin',
      dest: path.join(dest, 'd.bin'),
      bytes: t.size,
      md5: t.md5,
      verified: true,
      check: 'blake3',
      blake3: rootOfBin(),
      transport: 'tcp',
      cache: 'miss',
    });
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
    expect(r.stdout).toContain(`md5        ${t.md5} (the server's, of the verified bytes)`);
    expect(r.stdout).toMatch(/blake3     [0-9a-f]{64} \(every chunk checked\)/);
    expect(r.stdout).toMatch(/cache\s+bypass/);
  });

  it('on a terminal, says what it waits for, draws the bar to 100 % and erases it', async () => {
    const dest = await fs.mkdtemp(path.join(scratch, 'dl-'));
    const r = await run(['download', 'docs/deep/d.bin', '--dest', dest, '--no-cache'], { env, tty: true });
    expect(r.code).toBe(0);
    const draws = r.stderr.split('\r\x1b[2K');
    expect(draws[1]).toBe('d.bin  asking the server for its size and hashes…');
    expect(draws.some((d) => /^d\.bin  \[█+\]  100%/.test(d))).toBe(true);
    expect(r.stderr.endsWith('\r\x1b[2K')).toBe(true); // nothing of it is left on the screen
    expect(r.stdout).toContain('(every chunk checked)');
  });

  it('--md5 computes the MD5 here too and says so', async () => {
    const dest = await fs.mkdtemp(path.join(scratch, 'dl-'));
    const t = files(await truth()).find((f) => f.path === 'docs/deep/d.bin') as Truth;
    const r = await json<Record<string, unknown>>(['download', 'docs/deep/d.bin', '--dest', dest, '--no-cache', '--md5']);
    expect(r).toMatchObject({ verified: true, check: 'blake3+md5', md5: t.md5 });
    const human = await cli(['download', 'docs/deep/d.bin', '--dest', await fs.mkdtemp(path.join(scratch, 'dl-')), '--no-cache', '--md5']);
    expect(human.stdout).toContain(`md5        ${t.md5} (verified here too)`);
  });

  it('hash verify --blake3 adds the root downloads are checked with', async () => {
    const t = files(await truth()).find((f) => f.path === 'docs/deep/d.bin') as Truth;
    expect(await json(['hash', 'verify', 'docs/deep/d.bin', '--blake3'])).toMatchObject({ md5: t.md5, blake3: rootOfBin() });
    const all = await json<{ path: string; blake3: string }[]>(['hash', 'checkall', '--blake3']);
    expect(all.find((r) => r.path === 'docs/deep/d.bin')?.blake3).toBe(rootOfBin());
    expect(all.every((r) => /^[0-9a-f]{64}$/.test(r.blake3))).toBe(true);
  });

  it('--chunk-size sets the UDP datagram size, and is refused without --udp or out of range', async () => {
    const dest = await fs.mkdtemp(path.join(scratch, 'dl-'));
    const ok = await json<{ udp: { datagramBytes: number }; verified: boolean }>([
      'download',
      'docs/deep/d.bin',
      '--dest',
      dest,
      '--no-cache',
      '--udp',
      '--chunk-size',
      '2KiB',
    ]);
    expect(ok.verified).toBe(true);
    expect(ok.udp.datagramBytes).toBe(2048 + 28);
    const noUdp = await cli(['download', 'a.txt', '--dest', dest, '--chunk-size', '2KiB']);
    expect(noUdp).toMatchObject({ code: 1, stderr: 'ferry: --chunk-size applies to UDP downloads (add --udp)\n' });
    const tiny = await cli(['download', 'a.txt', '--dest', dest, '--udp', '--chunk-size', '10']);
    expect(tiny.code).toBe(1);
    expect(tiny.stderr).toMatch(/^ferry: --chunk-size must be from 64 to \d+ bytes \(one datagram\), not 10\n$/);
    expect((await fs.readdir(dest)).sort()).toEqual(['d.bin']);
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

describe('ferry download with a different file already there', () => {
  it('--skip-existing, --update, --keep-both and --overwrite, each said in words and in --json', async () => {
    const dest = await fs.mkdtemp(path.join(scratch, 'dl-'));
    const here = path.join(dest, 'a.txt');
    await fs.writeFile(here, 'mine');
    const skipped = await cli(['download', 'a.txt', '--dest', dest, '--skip-existing']);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toMatch(/^a\.txt  skipped: a different file is already there \(--skip-existing\)$/m);
    expect(await json(['download', 'a.txt', '--dest', dest, '--skip-existing'])).toMatchObject({ skipped: 'exists', verified: false });
    // Ours is newer than the server's (2019): --update keeps it.
    expect(await json(['download', 'a.txt', '--dest', dest, '--update'])).toMatchObject({ skipped: 'newer-here' });
    expect(await fs.readFile(here, 'utf8')).toBe('mine');
    expect(await json(['download', 'a.txt', '--dest', dest, '--keep-both'])).toMatchObject({ dest: path.join(dest, 'a (1).txt'), verified: true });
    expect(await json(['download', 'a.txt', '--dest', dest, '--overwrite'])).toMatchObject({ dest: here, verified: true });
    expect(await fs.readFile(here, 'utf8')).toBe(SPEC['a.txt'].content);
    const both = await cli(['download', 'a.txt', '--dest', dest, '--update', '--keep-both']);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/mutually exclusive|update/);
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

  it('says once, on stderr, that a cache of the previous (MD5-keyed) version was migrated, then hits it', async () => {
    const cacheDir = path.join(scratch, 'cache-v1');
    const t = files(await truth()).find((f) => f.path === 'a.txt') as Truth & { md5: string };
    const bytes = await fs.readFile(path.join(share.root, 'a.txt'));
    // What version 1 wrote: objects named by MD5, index version 1 keyed by MD5.
    await fs.mkdir(path.join(cacheDir, 'objects'), { recursive: true });
    await fs.writeFile(path.join(cacheDir, 'objects', t.md5), bytes);
    const at = '2026-11-20T09:12:00.000Z';
    const entry = { size: bytes.length, remotePath: 'a.txt', server: 'old:1', lastAccess: at, hits: 0, added: at, seq: 1 };
    await fs.writeFile(path.join(cacheDir, 'index.json'), JSON.stringify({ version: 1, seq: 1, hits: 0, misses: 1, entries: { [t.md5]: entry } }));

    const first = await cli(['cache', 'list', '--json', '--cache-dir', cacheDir]);
    expect(first.code).toBe(0);
    expect(first.stderr).toBe('ferry: cache: migrated 1 entry from the MD5-keyed format to BLAKE3 keys\n');
    const h = new ChunkHasher(bytes.length);
    h.update(bytes);
    expect(JSON.parse(first.stdout)).toMatchObject([{ md5: t.md5, blake3: h.finish().blake3, remotePath: 'a.txt' }]);
    const dest = await fs.mkdtemp(path.join(scratch, 'dl-'));
    expect(await json(['download', 'a.txt', '--dest', dest, '--cache-dir', cacheDir])).toMatchObject({ cache: 'hit', md5: t.md5 });
  });
});

describe('ferry logs', () => {
  /** Run `ferry logs --follow ...` until a request for `marker` shows up, then press Ctrl-C. */
  async function followUntil(extra: string[], marker: string) {
    const io = fakeIo({ env });
    const done = main(['logs', '--follow', '--limit', '0', ...extra], io);
    // Keep issuing a distinctive request until it shows up: following may start just after the first.
    const seen = io.waitForStdout(marker);
    let stop = false;
    void seen.finally(() => (stop = true)).catch(() => {});
    while (!stop) {
      await cli(['hash', 'verify', marker]);
      await Promise.race([seen.catch(() => {}), new Promise((r) => setImmediate(r))]);
    }
    await seen;
    io.interrupt('SIGINT');
    return { code: await done, stdout: io.stdoutText(), stderr: io.stderrText() };
  }

  it('--follow prints records as they happen until Ctrl-C, then exits 0', async () => {
    const r = await followUntil(['--json'], 'follow-marker.txt');
    expect(r.code).toBe(0);
    const records = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { command: string; outcome: string });
    expect(records.some((rec) => rec.outcome !== 'ok' && JSON.stringify(rec).includes('follow-marker.txt'))).toBe(true);
  });

  it('--follow prints a header and aligned rows for people', async () => {
    const r = await followUntil([], 'follow-human.txt');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const [header, ...rows] = r.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^TIME\s+CLIENT\s+COMMAND\s+OUTCOME\s+BYTES\s+MS$/);
    const row = rows.find((l) => l.includes('hash follow-human.txt')) as string;
    expect(row).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  127\.0\.0\.1:\d+\s+hash follow-human\.txt\s+[A-Z_]+\s+0\s+\d+$/);
    expect(row.indexOf('hash')).toBe((header as string).indexOf('COMMAND'));
  });

  it('prints the command log as JSON lines and as a table', async () => {
    await cli(['hash', 'verify', 'a.txt']);
    const r = await cli(['logs', '--json', '--limit', '3']);
    expect(r.code).toBe(0);
    const records = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { command: string; outcome: string });
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
    // 'bogus' failed, so the script as a whole did: exit 1, as a shell script's caller would want to know.
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('$ ');
    for (const p of ['a.txt', 'docs/c.txt', 'my file.txt']) expect(r.stdout).toMatch(new RegExp(`^${p}\\s`, 'm'));
    expect(r.stdout).toContain((t.find((f) => f.path === 'a.txt') as Truth).md5);
    expect(r.stderr).toContain("ferry: unknown command 'bogus'");
    expect(r.stderr).toContain('IndexGet shortlist START END');
    expect(await fs.readFile(path.join(dest, 'my file.txt'), 'utf8')).toBe(SPEC['my file.txt'].content);
    expect(r.stdout).toMatch(/^b\.md\s/m);
    expect(r.stdout).not.toMatch(/hashed in/); // nothing ran after quit
  });

  it('runs every command of a piped script, reports failing ones, and exits 1 if any failed', async () => {
    const r = await cli(['shell', '--json'], { stdin: 'FileHash verify missing.txt\nFileHash verify b.md\n' });
    expect(r.code).toBe(1);
    expect((await cli(['shell', '--json'], { stdin: 'FileHash verify b.md\n' })).code).toBe(0);
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
