// `ferry index` and `ferry hash` (in-process) against a real server; expected
// answers are computed from the files themselves.

import { describe, expect, it } from 'vitest';
import { formatBytes, formatTime } from '../../src/format.js';
import { byPath, cli, env, files, json, local, share, truth, useShareServer, type Truth } from './fixture.js';
import { run } from './fake-io.js';

useShareServer();

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
    const paths = async (argv: string[]) =>
      (await json<{ path: string; type: string }[]>(['index', 'longlist', ...argv]))
        .filter((e) => e.type === 'file')
        .map((e) => e.path)
        .sort();
    expect(await paths(['--ext', '.txt'])).toEqual(['a.txt', 'docs/c.txt', 'my file.txt']);
    expect(await paths(['--ext', 'TXT'])).toEqual(['a.txt', 'docs/c.txt', 'my file.txt']);
    expect(await paths(['--keyword', 'lighthouse'])).toEqual(['a.txt', 'docs/c.txt']);
    expect(await paths(['--ext', '.txt', '--keyword', 'keeper'])).toEqual(['docs/c.txt']);
    expect(await paths(['--path', 'docs'])).toEqual(['docs/c.txt', 'docs/deep/d.bin']);
    expect(await paths(['--no-recursive'])).toEqual(['a.txt', 'b.md', 'my file.txt']);
    expect(await paths(['--hidden', '--ext', '.txt'])).toEqual(['.hidden.txt', 'a.txt', 'docs/c.txt', 'my file.txt']);
    // Smart case, for keywords and names alike; a comma list of extensions.
    expect(await paths(['--keyword', 'Lighthouse'])).toEqual([]);
    expect(await paths(['--keyword', 'LIGHT'])).toEqual([]);
    expect(await paths(['--ext', 'md,bin'])).toEqual(['b.md', 'docs/deep/d.bin']);
    expect(await paths(['--name', 'FILE'])).toEqual([]);
    expect(await paths(['--name', 'file'])).toEqual(['my file.txt']);
    const named = await json<{ path: string }[]>(['index', 'longlist', '--name', 'dee']);
    expect(named.map((e) => e.path)).toEqual(['docs/deep']);
  });

  it('shortlist keeps files modified strictly inside the range', async () => {
    const all = files(await truth());
    const check = async (start: string, end: string, after: number, before: number, extra: string[] = []) => {
      const rows = await json<{ path: string; type: string }[]>(['index', 'shortlist', start, end, ...extra]);
      const expected = all.filter((f) => f.mtimeMs > after && f.mtimeMs < before && (!extra.includes('.txt') || f.ext === '.txt'));
      expect(
        rows
          .filter((e) => e.type === 'file')
          .map((e) => e.path)
          .sort(),
      ).toEqual(expected.map((f) => f.path).sort());
      return expected.length;
    };
    expect(await check('2020-01-01', '2021-12-31', local(2020, 1, 1), local(2022, 1, 1))).toBe(2);
    expect(await check('2020-01-01 00:00:00', '2023-12-31T00:00:00', local(2020, 1, 1), local(2023, 12, 31), ['--ext', '.txt'])).toBe(2);
    // The bounds are exclusive: a file modified exactly at START is left out.
    expect(await check('2019-03-01 10:00:00', '2019-03-01 10:00:01', local(2019, 3, 1, 10), local(2019, 3, 1, 10, 0, 1))).toBe(0);
    expect(await check('2019-03-01 09:59:59', '2019-03-01 10:00:01', local(2019, 3, 1, 9, 59, 59), local(2019, 3, 1, 10, 0, 1))).toBe(1);
  });

  it('shortlist also takes DATE TIME DATE TIME unquoted, as the classic command does', async () => {
    const quoted = await json<{ path: string }[]>(['index', 'shortlist', '2020-06-15 11:59:59', '2023-05-05 05:05:06']);
    const words = await json<{ path: string }[]>(['index', 'shortlist', '2020-06-15', '11:59:59', '2023-05-05', '05:05:06']);
    expect(words).toEqual(quoted);
    expect(words.map((e) => e.path).sort()).toEqual(['b.md', 'docs/c.txt', 'docs/deep/d.bin', 'my file.txt']);
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
    expect(
      lines
        .slice(1, -1)
        .map((l) => l.split(/\s{2,}/).at(-1))
        .sort(),
    ).toEqual(['docs/c.txt', 'docs/deep/d.bin']);
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
