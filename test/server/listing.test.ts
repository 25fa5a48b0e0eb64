import fs from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/errors.js';
import { LIST_BATCH, MAX_HEADER_BYTES } from '../../src/protocol/limits.js';
import type { ListRequest, WireEntry } from '../../src/protocol/messages.js';
import { KEYWORD_CHUNK_BYTES } from '../../src/server/keyword.js';
import { extMatcher, jsonBytes, listEntries } from '../../src/server/listing.js';
import { ShareStore } from '../../src/server/store.js';
import { sortListing } from '../../src/client/listing-order.js';
import { createTempShare, DEFAULT_MTIME_MS, type TempShare } from '../helpers/temp-share.js';

const T = DEFAULT_MTIME_MS;
let share: TempShare;
let store: ShareStore;

beforeEach(async () => {
  share = await createTempShare({
    'a.txt': { content: 'alpha', mtime: T - 10_000 },
    'B.md': { content: 'bravo!', mtime: T },
    'c.TXT': { content: 'charlie', mtime: T + 10_000 },
    'notes.txt.bak': 'not text by extension',
    '.hidden.txt': 'secret',
    '.hdir/x.txt': 'x',
    'sub/d.txt': 'delta',
    'sub/deep/e.txt': 'echo',
    'sub/.ferry-upload-1': 'temp',
    'sub/movie.mkv.ferry-part': 'partial',
    'empty/': {},
  });
  store = await ShareStore.open(share.root);
});

afterEach(() => share.remove());

/** A listing as a client shows it: the server streams in directory order, the client sorts. */
async function list(req: Omit<ListRequest, 'op'> = {}, signal?: AbortSignal): Promise<WireEntry[]> {
  const out: WireEntry[] = [];
  for await (const batch of listEntries(store, { op: 'list', ...req }, signal)) out.push(...batch);
  return sortListing(out);
}
const paths = (entries: WireEntry[]) => entries.map((e) => (e.type === 'dir' ? `${e.path}/` : e.path));

describe('listEntries: walk and order', () => {
  it('lists recursively every entry once, shown folders first then by name, each folder together', async () => {
    expect(paths(await list())).toEqual(['empty/', 'sub/', 'a.txt', 'B.md', 'c.TXT', 'notes.txt.bak', 'sub/deep/', 'sub/d.txt', 'sub/deep/e.txt']);
  });

  it('reports the same facts the filesystem does', async () => {
    const entries = await list();
    for (const e of entries) {
      const st = await fs.stat(share.abs(e.path));
      expect(e).toEqual({
        path: e.path,
        name: e.path.split('/').at(-1),
        ext: st.isDirectory() ? '' : (e.name.match(/\.[^.]*$/)?.[0] ?? '').toLowerCase(),
        size: st.isDirectory() ? 0 : st.size,
        mtimeMs: st.mtimeMs,
        type: st.isDirectory() ? 'dir' : 'file',
      });
    }
    expect(entries.find((e) => e.path === 'c.TXT')).toMatchObject({ ext: '.txt', size: 7, mtimeMs: T + 10_000 });
  });

  it('stays in one folder with recursive: false', async () => {
    expect(paths(await list({ recursive: false }))).toEqual(['empty/', 'sub/', 'a.txt', 'B.md', 'c.TXT', 'notes.txt.bak']);
  });

  it('starts at a sub-folder, with paths still relative to the share', async () => {
    expect(paths(await list({ path: 'sub' }))).toEqual(['sub/deep/', 'sub/d.txt', 'sub/deep/e.txt']);
    expect(paths(await list({ path: 'sub/deep/' }))).toEqual(['sub/deep/e.txt']);
  });

  it('lists a single file when the path names one', async () => {
    expect(paths(await list({ path: 'sub/d.txt' }))).toEqual(['sub/d.txt']);
    expect(await list({ path: 'sub/d.txt', ext: 'md' })).toEqual([]);
  });

  it('refuses a missing or escaping start path with a code', async () => {
    await expect(list({ path: 'missing' })).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(list({ path: '../outside' })).rejects.toMatchObject({ code: ErrorCode.OutsideShare });
  });

  it('shows dot names only when asked, and internal names never', async () => {
    expect(paths(await list({ hidden: true }))).toEqual([
      '.hdir/',
      'empty/',
      'sub/',
      '.hidden.txt',
      'a.txt',
      'B.md',
      'c.TXT',
      'notes.txt.bak',
      '.hdir/x.txt',
      'sub/deep/',
      'sub/d.txt',
      'sub/deep/e.txt',
    ]);
  });

  it('follows links only inside the share and survives a link loop', async () => {
    await fs.symlink(share.outside, share.abs('sub/out'));
    await fs.symlink('..', share.abs('sub/deep/up'));
    await fs.symlink('missing-target', share.abs('dangling'));
    await fs.symlink('d.txt', share.abs('sub/alias.txt'));
    await fs.symlink('/etc/nowhere-at-all', share.abs('sub/abs-dangling'));
    await fs.symlink('../../../../nowhere', share.abs('sub/climbing'));
    const entries = await list();
    const got = paths(entries);
    // A link inside the share is listed under its own name with its target's facts.
    expect(entries.find((e) => e.path === 'sub/alias.txt')).toMatchObject({ type: 'file', size: 5, ext: '.txt' });
    // Broken links are shown as such, not hidden, and never followed: nothing below them is listed.
    expect(entries.find((e) => e.path === 'sub/out')).toEqual({
      path: 'sub/out',
      name: 'out',
      ext: '',
      size: 0,
      mtimeMs: expect.any(Number),
      type: 'link',
      link: 'outside',
    });
    expect(entries.find((e) => e.path === 'dangling')).toMatchObject({ type: 'link', link: 'dangling', target: 'missing-target' });
    // A target naming a place outside the share (absolute, or climbing out) is not told.
    for (const p of ['sub/abs-dangling', 'sub/climbing']) {
      const e = entries.find((x) => x.path === p);
      expect(e).toMatchObject({ type: 'link', link: 'dangling' });
      expect(e).not.toHaveProperty('target');
    }
    expect(got.some((p) => p.startsWith('sub/out/') || p.includes('sentinel'))).toBe(false);
    // A filter lists matching files only: no broken links among them.
    expect(paths(await list({ ext: 'txt' }))).not.toContain('dangling');
    // sub/deep/up -> sub: listed once as a folder, but its contents are an ancestor: not re-entered.
    expect(got.filter((p) => p.startsWith('sub/deep/up'))).toEqual(['sub/deep/up/']);
    await share.assertSentinelIntact();
  });
});

describe('listEntries: filters', () => {
  it.each(['.txt', 'txt', '*.txt', 'TXT', '*.TxT'])('ext %j matches .txt files only, case-insensitive', async (ext) => {
    expect(paths(await list({ ext }))).toEqual(['a.txt', 'c.TXT', 'sub/d.txt', 'sub/deep/e.txt']);
  });

  it('ext matcher handles lists and odd input', () => {
    expect(['a.md', 'b.txt', 'c.gz'].filter(extMatcher('txt, md')!)).toEqual(['a.md', 'b.txt']);
    expect(extMatcher('*')).toBeUndefined();
    expect(extMatcher('')).toBeUndefined();
    expect(extMatcher('.txt')!('.txt')).toBe(false);
    expect(extMatcher('tar.gz')!('x.TAR.GZ')).toBe(true);
  });

  it('keeps files strictly between after and before; a file exactly on a bound is out', async () => {
    expect(paths(await list({ after: T - 10_000, before: T + 10_000, recursive: false }))).toEqual(['B.md', 'notes.txt.bak']);
    expect(paths(await list({ after: T - 10_001, before: T + 10_001, recursive: false }))).toEqual(['a.txt', 'B.md', 'c.TXT', 'notes.txt.bak']);
    expect(paths(await list({ after: T, recursive: false }))).toEqual(['c.TXT']);
    expect(paths(await list({ before: T, recursive: false }))).toEqual(['a.txt']);
  });

  it('combines filters', async () => {
    expect(paths(await list({ ext: 'txt', after: T - 1 }))).toEqual(['c.TXT', 'sub/d.txt', 'sub/deep/e.txt']);
  });
});

describe('listEntries: keyword', () => {
  const word = 'needle-in-haystack';

  it('finds a keyword that straddles a read-chunk boundary', async () => {
    const split = 7;
    const body = Buffer.alloc(KEYWORD_CHUNK_BYTES * 2, 'a');
    body.write(word, KEYWORD_CHUNK_BYTES - split);
    const nearMiss = Buffer.alloc(KEYWORD_CHUNK_BYTES * 2, 'a');
    nearMiss.write(word.slice(0, -1), KEYWORD_CHUNK_BYTES - split); // all but the last byte
    await share.write({ 'big/straddle.log': body, 'big/near-miss.log': nearMiss, 'big/plain.txt': `x ${word} y` });
    expect(body.includes(word)).toBe(true);
    expect(paths(await list({ path: 'big', keyword: word }))).toEqual(['big/plain.txt', 'big/straddle.log']);
  });

  it('skips files with a NUL in the first 8 KiB, but not a NUL after it', async () => {
    const early = Buffer.concat([Buffer.from(word), Buffer.from([0]), Buffer.alloc(100, 'z')]);
    const late = Buffer.alloc(9000, 'b');
    late.write(word, 10);
    late[8500] = 0;
    await share.write({ 'bin/early.dat': early, 'bin/late.dat': late });
    expect(paths(await list({ path: 'bin', keyword: word }))).toEqual(['bin/late.dat']);
  });

  it('is case-sensitive and lists no folders', async () => {
    expect(paths(await list({ keyword: 'alpha' }))).toEqual(['a.txt']);
    expect(paths(await list({ keyword: 'ALPHA' }))).toEqual([]);
    expect(paths(await list({ keyword: 'e' }))).toEqual(['c.TXT', 'notes.txt.bak', 'sub/d.txt', 'sub/deep/e.txt']);
  });
});

describe('listEntries: batching and cancellation', () => {
  it('sends batches within LIST_BATCH entries and the header budget', async () => {
    const spec: Record<string, string> = {};
    for (let i = 0; i < 1300; i++) spec[`many/${String(i).padStart(4, '0')}-${'n'.repeat(100)}.txt`] = String(i);
    await share.write(spec);
    const batches: WireEntry[][] = [];
    for await (const batch of listEntries(store, { op: 'list', path: 'many' })) batches.push(batch);
    expect(batches.length).toBeGreaterThan(2);
    for (const b of batches) {
      expect(b.length).toBeLessThanOrEqual(LIST_BATCH);
      expect(Buffer.byteLength(JSON.stringify({ entries: b }))).toBeLessThan(MAX_HEADER_BYTES);
    }
    expect(
      batches
        .flat()
        .map((e) => e.path)
        .sort(),
    ).toEqual(Object.keys(spec).sort());
  });

  it('stops early when the signal aborts', async () => {
    const spec: Record<string, string> = {};
    for (let i = 0; i < 1500; i++) spec[`tree/d${i % 3}/f${i}.txt`] = 'x';
    await share.write(spec);
    const controller = new AbortController();
    let seen = 0;
    let batches = 0;
    for await (const batch of listEntries(store, { op: 'list', path: 'tree' }, controller.signal)) {
      batches++;
      seen += batch.length;
      controller.abort();
    }
    expect(batches).toBe(1);
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThanOrEqual(LIST_BATCH);
  });
});

describe('jsonBytes', () => {
  it('counts exactly the bytes JSON.stringify writes, plain entries or not', () => {
    const entries: WireEntry[] = [
      { path: 'a/b.txt', name: 'b.txt', ext: '.txt', size: 12, mtimeMs: 1733220000123.5, type: 'file' },
      { path: 'dir', name: 'dir', ext: '', size: 0, mtimeMs: 0, type: 'dir' },
      { path: 'q"uote\\back', name: 'q"uote\\back', ext: '', size: 1, mtimeMs: -1, type: 'file' },
      { path: 'ctl\u0001\u001b', name: 'ctl\u0001\u001b', ext: '', size: 2, mtimeMs: 1e21, type: 'file' },
      { path: 'ünï/日本/😀.md', name: '😀.md', ext: '.md', size: 3, mtimeMs: 5, type: 'file' },
      { path: 'l', name: 'l', ext: '', size: 0, mtimeMs: 7, type: 'link', link: 'dangling', target: '../x' },
      { path: 'h', name: 'h', ext: '', size: 9, mtimeMs: 7, type: 'file', blake3: 'ab'.repeat(32) },
    ];
    for (const e of entries) expect(jsonBytes(e), e.path).toBe(Buffer.byteLength(JSON.stringify(e)));
  });
});
