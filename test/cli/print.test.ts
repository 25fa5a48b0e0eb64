import { describe, expect, it } from 'vitest';
import { describeError, CliError } from '../../src/cli/errors.js';
import { describeCommand, downloadLines, entryJson, entryLines, hashHeader, hashLine, logColumns, logHeader, logLine } from '../../src/cli/print.js';
import { renderHashing, renderTransfer, StatusLine } from '../../src/cli/progress.js';
import { cellWidth, printable, renderTable } from '../../src/cli/table.js';
import type { DownloadResult, Entry } from '../../src/client/types.js';
import { formatTime, plural } from '../../src/format.js';
import { FerryError } from '../../src/protocol/errors.js';

const entry = (path: string, size: number, mtimeMs: number, type: 'file' | 'dir' = 'file'): Entry => {
  const name = path.split('/').pop() ?? path;
  const dot = name.lastIndexOf('.');
  return { path, name, ext: type === 'file' && dot > 0 ? name.slice(dot).toLowerCase() : '', size, mtimeMs, mtime: new Date(mtimeMs).toISOString(), type };
};

describe('renderTable', () => {
  it('aligns columns, right-aligns numbers and leaves no trailing spaces', () => {
    const lines = renderTable(
      [
        { header: 'NAME', value: (r: [string, string]) => r[0] },
        { header: 'N', value: (r) => r[1], align: 'right' },
      ],
      [
        ['a', '1'],
        ['longer', '100'],
      ],
    );
    expect(lines).toEqual(['NAME      N', 'a         1', 'longer  100']);
  });

  it('counts wide characters as two cells', () => {
    expect(cellWidth('日本')).toBe(4);
    expect(cellWidth('abc')).toBe(3);
  });

  it('shows control characters instead of sending them to the terminal', () => {
    expect(printable('a\x1b[2Jb\n')).toBe('a\\x1b[2Jb\\x0a');
  });
});

describe('entry output', () => {
  const t = new Date(2021, 2, 4, 10, 0, 0).getTime();
  const entries = [entry('docs', 0, t, 'dir'), entry('docs/a.txt', 1536, t), entry('b.bin', 5, t)];

  it('prints an aligned table with a summary', () => {
    const lines = entryLines(entries);
    expect(lines[0]).toMatch(/^PATH\s+SIZE\s+MODIFIED\s+TYPE$/);
    expect(lines[1]).toBe(`docs/             -  ${formatTime(t)}  dir`);
    expect(lines[2]).toBe(`docs/a.txt  1.5 KiB  ${formatTime(t)}  file`);
    expect(lines[3]).toBe(`b.bin           5 B  ${formatTime(t)}  file`);
    expect(lines[4]).toBe('2 files, 1 folder, 1.5 KiB');
  });

  it('says so when nothing matched', () => {
    expect(entryLines([])).toEqual(['no matching entries (0 files, 0 folders, 0 B)']);
  });

  it('puts exactly the documented fields in --json rows', () => {
    expect(Object.keys(entryJson(entries[1] as Entry)).sort()).toEqual(['ext', 'mtime', 'name', 'path', 'size', 'type']);
  });

  it('prints hash rows in fixed columns under the header', () => {
    const line = hashLine({ path: 'x/y.txt', md5: 'd41d8cd98f00b204e9800998ecf8427e', size: 0, mtimeMs: t, mtime: '' });
    expect(line).toBe(`d41d8cd98f00b204e9800998ecf8427e         0 B  ${formatTime(t)}  x/y.txt`);
    expect(hashHeader().indexOf('PATH')).toBe(line.indexOf('x/y.txt'));
  });
});

describe('download output', () => {
  const base: DownloadResult = {
    path: 'dir/movie.bin',
    dest: '/tmp/movie.bin',
    bytes: 2048,
    transferred: 2048,
    md5: 'a'.repeat(32),
    verified: true,
    check: 'blake3',
    blake3: 'b'.repeat(64),
    transport: 'udp',
    cache: 'miss',
    seconds: 0.5,
    mtime: new Date(2020, 0, 2, 3, 4, 5).toISOString(),
  };

  it('names the file, size, time, hashes and cache outcome', () => {
    const text = downloadLines(base).join('\n');
    expect(text).toContain(`movie.bin  2.0 KiB  2020-01-02 03:04:05`);
    expect(text).toContain(`md5        ${'a'.repeat(32)} (the server's, of the verified bytes)`);
    expect(text).toContain(`blake3     ${'b'.repeat(64)} (every chunk checked)`);
    expect(downloadLines({ ...base, check: 'blake3+md5' }).join('\n')).toContain(`md5        ${'a'.repeat(32)} (verified here too)`);
    expect(downloadLines({ ...base, refetchedChunks: 2 }).join('\n')).toContain('refetched  2 chunks that failed the check on the way');
    expect(text).toMatch(/cache\s+miss/);
    expect(text).toContain('UDP, 2048 bytes in 0.50 s');
    expect(text).not.toContain('udp        ');
  });

  it('lists every file of a recursive download', () => {
    const child = (p: string): DownloadResult => ({ ...base, path: p, cache: 'hit', transferred: 0 });
    const lines = downloadLines({ ...base, path: 'dir', dest: '/tmp/dir', bytes: 4096, files: [child('dir/a'), child('dir/b')] });
    expect(lines[0]).toMatch(/^PATH\s+SIZE\s+MODIFIED\s+MD5\s+CACHE$/);
    expect(lines[1]).toMatch(/^dir\/a\s+2\.0 KiB .* hit$/);
    expect(lines[3]).toBe('2 files, 4.0 KiB saved under /tmp/dir, all verified');
  });

  it('says when the destination already held the bytes', () => {
    const text = downloadLines({ ...base, cache: 'bypass', transferred: 0, identical: true }).join('\n');
    expect(text).toContain('(already there, unchanged)');
    expect(text).toMatch(/cache\s+not needed/);
    expect(text).toMatch(/transfer\s+none needed/);
  });

  it('adds UDP statistics and resume notes when present', () => {
    const text = downloadLines({ ...base, resumedFrom: 1024, udp: { datagramsSent: 40, datagramsRetransmitted: 2, lossPercent: 5, datagramBytes: 1400 } }).join(
      '\n',
    );
    expect(text).toContain('40 datagrams sent, 2 retransmitted, 5.0 % loss, 1400-byte datagrams');
    expect(text).toContain('from byte 1024');
  });
});

describe('describeCommand', () => {
  it('shows the path bare and other arguments as key=value', () => {
    const r = { time: '', client: '', command: 'list', args: { path: 'my docs', ext: '.txt', recursive: true, hidden: false }, outcome: 'ok', bytes: 0, ms: 1 };
    expect(describeCommand(r)).toBe('list "my docs" ext=.txt recursive');
  });

  it('shows time bounds as local times, leaves structured arguments to --json, and stays short', () => {
    const at = new Date(2024, 0, 2, 3, 4, 5).getTime();
    const r = { time: '', client: '', command: 'download', args: { path: 'a.bin', after: at, identity: { ino: 1 } }, outcome: 'ok', bytes: 0, ms: 1 };
    expect(describeCommand(r)).toBe('download a.bin after=2024-01-02 03:04:05');
    const long = describeCommand({ ...r, args: { path: 'x'.repeat(200) } });
    expect(long).toHaveLength(72);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('StatusLine', () => {
  it('draws nothing when stderr is not a terminal', () => {
    let written = '';
    const s = new StatusLine({ write: (t: string) => (written += t), isTTY: false });
    s.update(() => 'x', true);
    s.clear();
    expect(written).toBe('');
  });

  it('draws nothing when the results go to a file or a pipe, even with stderr on a terminal', () => {
    let written = '';
    const s = new StatusLine({ write: (t: string) => (written += t), isTTY: true }, { results: { write: () => true, isTTY: false } });
    s.update(() => 'x', true);
    s.clear();
    expect(written).toBe('');
    const both = new StatusLine({ write: (t: string) => (written += t), isTTY: true }, { results: { write: () => true, isTTY: true } });
    both.update(() => 'y', true);
    expect(written).toBe('\r\x1b[2Ky');
  });

  it('redraws at most every 100 ms unless forced, and erases itself', () => {
    let now = 0;
    const writes: string[] = [];
    const s = new StatusLine({ write: (t: string) => writes.push(t), isTTY: true, columns: 80 }, { now: () => now });
    s.update(() => 'one');
    now = 50;
    s.update(() => 'two');
    now = 100;
    s.update(() => 'three');
    now = 120;
    s.update(() => 'four', true);
    s.clear();
    expect(writes).toEqual(['\r\x1b[2Kone', '\r\x1b[2Kthree', '\r\x1b[2Kfour', '\r\x1b[2K']);
  });

  it('never draws wider than the terminal', () => {
    const writes: string[] = [];
    const s = new StatusLine({ write: (t: string) => writes.push(t), isTTY: true, columns: 30 });
    s.update(() => 'x'.repeat(100));
    expect(writes[0]?.length).toBe('\r\x1b[2K'.length + 29);
  });

  it('renders the bar with percent, bytes, rate and ETA', () => {
    const text = renderTransfer({ path: 'a/b.iso', transport: 'tcp', bytes: 512 * 1024, total: 1024 * 1024, rate: 2e6, etaSeconds: 3 }, 100);
    expect(text).toMatch(/^b\.iso  \[█+░+\]   50%  512 KiB \/ 1\.0 MiB  1\.9 MiB\/s  ETA 3 s$/);
    expect(renderHashing({ files: 3, bytes: 1024 }, { files: 10, bytes: 4096 })).toBe('hashing 3/10 files  1.0 KiB / 4.0 KiB');
  });
});

describe('describeError', () => {
  it('passes FerryError and CliError messages through', () => {
    expect(describeError(new FerryError('NOT_FOUND', 'no such file: x'))).toBe('no such file: x');
    expect(describeError(new CliError('bad'))).toBe('bad');
  });

  it('translates system errors', () => {
    expect(describeError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), 'h:1')).toBe(
      'cannot connect to h:1: connection refused (is `ferry serve` running?)',
    );
    expect(describeError(Object.assign(new Error('x'), { code: 'ENOENT', path: '/a/b' }))).toBe('/a/b: no such file or directory');
    expect(describeError(new Error('plain'))).toBe('plain');
    expect(describeError('text')).toBe('text');
  });
});

describe('plural', () => {
  it('counts in the singular for exactly one', () => {
    expect(plural(1, 'hit')).toBe('1 hit');
    expect(plural(0, 'hit')).toBe('0 hits');
    expect(plural(2, 'entry', 'entries')).toBe('2 entries');
    expect(plural(1, 'miss', 'misses')).toBe('1 miss');
  });
});

describe('tables on a narrow terminal', () => {
  const entry = (path: string, size = 1234): Entry => ({
    path,
    name: path.split('/').pop()!,
    ext: '.txt',
    size,
    mtimeMs: 0,
    mtime: new Date(0).toISOString(),
    type: 'file',
  });
  const deep = [entry(`projects/${'very-long-folder-name/'.repeat(6)}report.txt`), entry('a.txt'), entry('漢字/👨\u200d👩\u200d👧 family.txt')];

  it('fit the width given: the path column gives way from its start, keeping the names', () => {
    for (const width of [80, 60, 50]) {
      const lines = entryLines(deep, width);
      for (const l of lines.slice(0, -1)) expect(cellWidth(l), `${width}: ${l}`).toBeLessThanOrEqual(width);
      expect(lines[1]).toMatch(/^…[^ ]*\/report\.txt /);
      expect(lines[2]).toMatch(/^a\.txt /);
    }
  });

  it('are never cut without a width (a pipe or a file gets whole paths)', () => {
    expect(entryLines(deep)[1]).toContain(deep[0]!.path);
  });

  it('show broken links as such: name -> target, broken, and count them', () => {
    const base = { ext: '', size: 0, mtimeMs: 0, mtime: new Date(0).toISOString() };
    const lines = entryLines([
      { ...base, path: 'stale', name: 'stale', type: 'link', link: 'dangling', target: 'docs/old.md' },
      { ...base, path: 'escape', name: 'escape', type: 'link', link: 'outside' },
    ]);
    expect(lines[1]).toMatch(/^stale -> docs\/old\.md +broken .* link$/);
    expect(lines[2]).toMatch(/^escape -> \(outside the share\) +broken .* link$/);
    expect(lines[3]).toBe('0 files, 0 folders, 0 B, 2 broken links');
    expect(entryJson({ ...base, path: 'stale', name: 'stale', type: 'link', link: 'dangling', target: 'x' })).toMatchObject({
      type: 'link',
      link: 'dangling',
      target: 'x',
    });
  });

  it('leave out whole columns rather than cut a size or a date, and fit however narrow', () => {
    let lines = entryLines(deep, 45);
    expect(lines[0]).toMatch(/^PATH +SIZE  MODIFIED$/); // the type went first
    expect(lines[2]).toMatch(/^a\.txt +1\.2 KiB  19(70-01-01|69-12-31) \d\d:\d\d:\d\d$/);
    lines = entryLines(deep, 24);
    expect(lines[0]).toMatch(/^PATH +SIZE$/);
    expect(lines[2]).toMatch(/^a\.txt +1\.2 KiB$/);
    for (const width of [30, 24, 16, 10, 5]) {
      for (const l of entryLines(deep, width).slice(0, -1)) expect(cellWidth(l), `${width}: ${l}`).toBeLessThanOrEqual(width);
    }
  });

  it('fit the other tables too: hash lines, the followed log, a recursive download', () => {
    const t = Date.UTC(2026, 0, 2, 3, 4, 5);
    const h = { path: `deep/${'folder/'.repeat(12)}name.bin`, md5: 'd41d8cd98f00b204e9800998ecf8427e', size: 10, mtimeMs: t, mtime: '' };
    for (const width of [120, 80, 60]) {
      const line = hashLine(h, width);
      expect(cellWidth(line), line).toBeLessThanOrEqual(width);
      expect(line).toContain(h.md5);
      if (width >= 80) expect(line).toMatch(/…[^ ]*\/name\.bin$/); // the path gives way from its start
      expect(cellWidth(hashHeader(false, width))).toBeLessThanOrEqual(width);
    }
    expect(hashLine(h)).toContain(h.path); // a pipe gets it whole
    const record = {
      time: new Date(t).toISOString(),
      client: '127.0.0.1:50000',
      command: 'download',
      args: { path: 'x'.repeat(200) },
      outcome: 'ok',
      bytes: 123,
      ms: 4,
    };
    const widths = logColumns.map((c) => Math.max(cellWidth(c.header), cellWidth(c.value(record as never))));
    for (const width of [120, 80]) {
      const line = logLine(record as never, widths, width);
      expect(cellWidth(line), line).toBeLessThanOrEqual(width);
      expect(line).toMatch(/ok +123 +4$/); // the command gives way, the outcome stays
      expect(cellWidth(logHeader(widths, width))).toBeLessThanOrEqual(width);
    }
  });
});
