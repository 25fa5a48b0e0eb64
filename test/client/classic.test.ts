import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CLASSIC_USAGE, normalizeExt, parseClassic } from '../../src/client/classic.js';

const t = (...a: number[]) => new Date(a[0] as number, (a[1] as number) - 1, a[2], a[3] ?? 0, a[4] ?? 0, a[5] ?? 0).getTime();

describe('parseClassic: IndexGet shortlist', () => {
  it('reads the four-token form with an extension', () => {
    expect(parseClassic('IndexGet shortlist 2020-01-01 10:00:00 2021-06-30 23:59:59 .txt')).toEqual({
      kind: 'index',
      mode: 'shortlist',
      after: t(2020, 1, 1, 10),
      before: t(2021, 6, 30, 23, 59, 59),
      ext: '.txt',
    });
  });

  it('reads the T form and bare dates, case-insensitively', () => {
    expect(parseClassic('indexget SHORTLIST 2020-01-01T10:00:00 2021-06-30T23:59:59')).toEqual({
      kind: 'index',
      mode: 'shortlist',
      after: t(2020, 1, 1, 10),
      before: t(2021, 6, 30, 23, 59, 59),
    });
    expect(parseClassic('IndexGet shortlist 2020-01-01 2020-12-31 *.PDF')).toEqual({
      kind: 'index',
      mode: 'shortlist',
      after: t(2020, 1, 1),
      before: t(2021, 1, 1),
      ext: '.pdf',
    });
    expect(parseClassic('IndexGet shortlist 2020-01-01 10:00 2020-12-31 txt')).toEqual({
      kind: 'index',
      mode: 'shortlist',
      after: t(2020, 1, 1, 10),
      before: t(2021, 1, 1),
      ext: '.txt',
    });
  });

  it('reports bad or missing bounds and extra words', () => {
    expect(parseClassic('IndexGet shortlist 2020-02-30 2021-01-01')).toEqual({ error: expect.stringMatching(/2020-02-30/) });
    expect(parseClassic('IndexGet shortlist 2021-01-01 2020-01-01')).toEqual({ error: expect.stringMatching(/after/) });
    expect(parseClassic('IndexGet shortlist 2021-01-01')).toEqual({ error: expect.stringMatching(/START and an END/) });
    expect(parseClassic('IndexGet shortlist 2020-01-01 2021-01-01 .txt extra')).toEqual({ error: expect.stringMatching(/extra/) });
  });
});

describe('parseClassic: IndexGet longlist', () => {
  it('lists everything without arguments', () => {
    expect(parseClassic('IndexGet longlist')).toEqual({ kind: 'index', mode: 'longlist' });
  });

  it('tells an extension from a keyword when given one word', () => {
    expect(parseClassic('IndexGet longlist .TXT')).toEqual({ kind: 'index', mode: 'longlist', ext: '.txt' });
    expect(parseClassic('IndexGet longlist *.md')).toEqual({ kind: 'index', mode: 'longlist', ext: '.md' });
    expect(parseClassic('IndexGet longlist pdf')).toEqual({ kind: 'index', mode: 'longlist', ext: '.pdf' });
    expect(parseClassic('IndexGet longlist invoice')).toEqual({ kind: 'index', mode: 'longlist', keyword: 'invoice' });
    expect(parseClassic('IndexGet longlist *')).toEqual({ kind: 'index', mode: 'longlist' });
  });

  it('takes an extension then a keyword, * meaning any extension', () => {
    expect(parseClassic('IndexGet longlist .txt budget')).toEqual({ kind: 'index', mode: 'longlist', ext: '.txt', keyword: 'budget' });
    expect(parseClassic('IndexGet longlist * "two words"')).toEqual({ kind: 'index', mode: 'longlist', keyword: 'two words' });
    expect(parseClassic('IndexGet longlist a b c')).toEqual({ error: expect.any(String) });
  });
});

describe('parseClassic: FileHash and FileDownload', () => {
  it('parses verify and checkall', () => {
    expect(parseClassic('FileHash verify notes/a.txt')).toEqual({ kind: 'hash', mode: 'verify', path: 'notes/a.txt' });
    expect(parseClassic('filehash CHECKALL')).toEqual({ kind: 'hash', mode: 'checkall' });
    expect(parseClassic('FileHash checkall now')).toEqual({ error: expect.any(String) });
    expect(parseClassic('FileHash verify')).toEqual({ error: expect.stringMatching(/missing file name/) });
    expect(parseClassic('FileHash')).toEqual({ error: expect.stringMatching(/verify/) });
  });

  it('parses both transports', () => {
    expect(parseClassic('FileDownload TCP a.bin')).toEqual({ kind: 'download', transport: 'tcp', path: 'a.bin' });
    expect(parseClassic('filedownload udp dir/a.bin')).toEqual({ kind: 'download', transport: 'udp', path: 'dir/a.bin' });
    expect(parseClassic('FileDownload FTP a.bin')).toEqual({ error: expect.stringMatching(/TCP or UDP/) });
    expect(parseClassic('FileDownload a.bin')).toEqual({ error: expect.stringMatching(/TCP or UDP/) });
  });

  it('accepts quoted names and unquoted names with spaces', () => {
    expect(parseClassic('FileDownload TCP "my file.txt"')).toEqual({ kind: 'download', transport: 'tcp', path: 'my file.txt' });
    expect(parseClassic("FileHash verify 'it''s'")).toEqual({ error: expect.any(String) });
    expect(parseClassic('FileHash verify "say \\"hi\\".txt"')).toEqual({ kind: 'hash', mode: 'verify', path: 'say "hi".txt' });
    expect(parseClassic('FileDownload TCP my  file.txt  ')).toEqual({ kind: 'download', transport: 'tcp', path: 'my  file.txt' });
    expect(parseClassic('FileDownload TCP "unterminated')).toEqual({ error: expect.stringMatching(/unterminated/) });
    expect(parseClassic('FileDownload TCP "a" b')).toEqual({ error: expect.any(String) });
  });

  it('keeps backslashes that do not escape a quote', () => {
    expect(parseClassic('FileHash verify "dir\\name.txt"')).toEqual({ kind: 'hash', mode: 'verify', path: 'dir\\name.txt' });
  });
});

describe('parseClassic: the rest', () => {
  it('knows help, quit and exit', () => {
    expect(parseClassic('HELP')).toEqual({ kind: 'help' });
    expect(parseClassic(' quit ')).toEqual({ kind: 'quit' });
    expect(parseClassic('Exit')).toEqual({ kind: 'quit' });
  });

  it('rejects unknown and empty commands', () => {
    expect(parseClassic('ls -la')).toEqual({ error: "unknown command 'ls'" });
    expect(parseClassic('   ')).toEqual({ error: 'empty command' });
    expect(parseClassic('IndexGet')).toEqual({ error: expect.stringMatching(/shortlist or longlist/) });
  });

  it('documents every command in the usage text', () => {
    for (const word of ['IndexGet shortlist', 'IndexGet longlist', 'FileHash verify', 'FileHash checkall', 'FileDownload TCP|UDP', 'help', 'quit']) {
      expect(CLASSIC_USAGE).toContain(word);
    }
  });

  it('never throws, whatever the line', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const r = parseClassic(s);
        expect(typeof r).toBe('object');
      }),
    );
  });

  it('round-trips any quoted download path', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((s) => !s.includes('\\')),
        (name) => {
          const quoted = `"${name.replace(/"/g, '\\"')}"`;
          expect(parseClassic(`FileDownload UDP ${quoted}`)).toEqual({ kind: 'download', transport: 'udp', path: name });
        },
      ),
    );
  });
});

describe('normalizeExt', () => {
  it('lower-cases and adds the dot', () => {
    expect(normalizeExt('TXT')).toBe('.txt');
    expect(normalizeExt('*.Md')).toBe('.md');
    expect(normalizeExt('.gz')).toBe('.gz');
  });
});

describe('parseClassic: file operations', () => {
  it('reads mkdir, mv, cp and rm, with their one flag and quoted names', () => {
    expect(parseClassic('mkdir a/b')).toEqual({ kind: 'mkdir', path: 'a/b', parents: false });
    expect(parseClassic('MKDIR -p "a b/c"')).toEqual({ kind: 'mkdir', path: 'a b/c', parents: true });
    expect(parseClassic('mv x.txt "new name.txt"')).toEqual({ kind: 'move', from: 'x.txt', to: 'new name.txt' });
    expect(parseClassic('cp x y')).toEqual({ kind: 'copy', from: 'x', to: 'y' });
    expect(parseClassic('rm -r old')).toEqual({ kind: 'remove', path: 'old', recursive: true });
    expect(parseClassic('rm "-r"')).toEqual({ kind: 'remove', path: '-r', recursive: false });
    expect(parseClassic('mv only-one')).toEqual({ error: 'usage: mv FROM TO (quote names with spaces)' });
    expect(parseClassic('rm a b')).toEqual({ error: 'usage: rm [-r] PATH (quote names with spaces)' });
    expect(CLASSIC_USAGE).toContain('mkdir [-p] PATH');
  });
});
