// The seed's IndexGet and FileHash, end to end: a real server on a free port
// over a temp tree with known mtimes, checked against answers computed here.

import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FerryClient } from '../../src/client/client.js';
import { scratchDir } from '../helpers/scratch.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const T = (iso: string) => Date.parse(iso);
const binary = Buffer.from([0, 1, 2, 3, 255, 0, 7, 8]);
const tree = {
  'notes.txt': { content: 'hello ferry world\n', mtime: T('2020-01-10T10:00:00Z') },
  'docs/todo.txt': { content: 'buy milk\nwrite the keyword here\n', mtime: T('2021-06-01T12:00:00Z') },
  'docs/report.pdf': { content: binary, mtime: T('2022-03-05T08:30:00Z') },
  'docs/deep/more.TXT': { content: 'nothing to see\n', mtime: T('2023-09-09T09:09:09Z') },
  'img/163.jpg': { content: Buffer.concat([binary, Buffer.from('keyword')]), mtime: T('2020-04-18T14:52:00Z') },
  '.hidden.txt': { content: 'keyword in a hidden file\n', mtime: T('2020-01-01T00:00:00Z') },
};

let t: TestServer;
let client: FerryClient;
beforeAll(async () => {
  t = await startTestServer(tree);
  client = await t.connect({ noCache: true });
});
afterAll(() => t.close());

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const paths = (entries: { path: string }[]) => entries.map((e) => e.path).sort();

describe('listing', () => {
  it('lists every file and folder recursively with sizes and times from the disk', async () => {
    const entries = await client.list();
    expect(paths(entries)).toEqual(['docs', 'docs/deep', 'docs/deep/more.TXT', 'docs/report.pdf', 'docs/todo.txt', 'img', 'img/163.jpg', 'notes.txt']);
    for (const e of entries.filter((x) => x.type === 'file')) {
      const s = await stat(t.share.abs(e.path));
      expect(e.size).toBe(s.size);
      expect(e.mtimeMs).toBe(s.mtimeMs);
      expect(e.mtime).toBe(new Date(s.mtimeMs).toISOString());
    }
    const more = entries.find((e) => e.path === 'docs/deep/more.TXT')!;
    expect(more).toMatchObject({ name: 'more.TXT', ext: '.txt', type: 'file' });
  });

  it('keeps one extension, written any of three ways', async () => {
    for (const ext of ['.txt', 'txt', '*.txt', 'TXT']) {
      expect(paths(await client.list({ ext }))).toEqual(['docs/deep/more.TXT', 'docs/todo.txt', 'notes.txt']);
    }
  });

  it('shortlists files modified strictly between two times', async () => {
    const after = T('2020-01-10T10:00:00Z'); // notes.txt sits exactly on this bound: excluded
    const before = T('2022-03-05T08:30:00Z'); // report.pdf sits exactly on this bound: excluded
    expect(paths(await client.list({ after, before }))).toEqual(['docs/todo.txt', 'img/163.jpg']);
    expect(paths(await client.list({ after, before, ext: 'jpg' }))).toEqual(['img/163.jpg']);
  });

  it('finds a keyword inside text files only, skipping binaries and hidden files', async () => {
    expect(paths(await client.list({ keyword: 'keyword' }))).toEqual(['docs/todo.txt']);
    expect(paths(await client.list({ keyword: 'keyword', hidden: true }))).toEqual(['.hidden.txt', 'docs/todo.txt']);
  });

  it('lists one folder, one level', async () => {
    expect(paths(await client.list({ path: 'docs', recursive: false }))).toEqual(['docs/deep', 'docs/report.pdf', 'docs/todo.txt']);
    const top = await client.list({ recursive: false });
    expect(top.map((e) => e.name)).toEqual(['docs', 'img', 'notes.txt']); // folders first, then by name
  });

  it('refuses paths outside the share and missing folders with coded errors', async () => {
    await expect(client.list({ path: '../outside' })).rejects.toMatchObject({ code: 'OUTSIDE_SHARE' });
    await expect(client.list({ path: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await t.share.assertSentinelIntact();
  });
});

describe('hashing', () => {
  it('verifies one file: MD5, size and mtime match the disk', async () => {
    const r = await client.hash('docs/report.pdf');
    const s = await stat(t.share.abs('docs/report.pdf'));
    expect(r).toEqual({ path: 'docs/report.pdf', md5: md5(binary), size: s.size, mtimeMs: s.mtimeMs, mtime: new Date(s.mtimeMs).toISOString() });
  });

  it('checks all files, announcing the plan first and streaming results', async () => {
    const plans: { files: number; bytes: number }[] = [];
    const streamed: string[] = [];
    const all = await client.hashAll({ onStart: (p) => plans.push(p), onResult: (r) => streamed.push(r.path) });
    const files = ['docs/deep/more.TXT', 'docs/report.pdf', 'docs/todo.txt', 'img/163.jpg', 'notes.txt'];
    expect(paths(all)).toEqual(files);
    expect(streamed.sort()).toEqual(files);
    let bytes = 0;
    for (const r of all) {
      const content = await readFile(t.share.abs(r.path));
      bytes += content.length;
      expect(r.md5).toBe(md5(content));
    }
    expect(plans).toEqual([{ files: files.length, bytes }]);
  });

  it('hashes a sub-folder only', async () => {
    expect(paths(await client.hashAll({ path: 'docs/deep' }))).toEqual(['docs/deep/more.TXT']);
  });

  it('refuses to hash a folder or a missing file', async () => {
    await expect(client.hash('docs')).rejects.toMatchObject({ code: 'NOT_A_FILE' });
    await expect(client.hash('missing.txt')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(client.hash('../outside/sentinel.txt')).rejects.toMatchObject({ code: 'OUTSIDE_SHARE' });
  });
});

describe('command log', () => {
  it('records every command with its outcome, readable over the protocol', async () => {
    await client.hash('notes.txt');
    await client.hash('missing.txt').catch(() => {});
    const records = await client.logs({ limit: 2 });
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ command: 'hash', args: { path: 'notes.txt' }, outcome: 'ok' });
    expect(records[1]).toMatchObject({ command: 'hash', args: { path: 'missing.txt' }, outcome: 'NOT_FOUND' });
    expect(records[1]!.client).toMatch(/^127\.0\.0\.1:\d+$/);
    const lines = (await readFile(t.server.logFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.at(-1)).toMatchObject({ command: 'logs' });
  });

  it('follows new records live', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    let live!: () => void;
    const isLive = new Promise<void>((r) => (live = r));
    const following = client.followLogs({
      limit: 0,
      signal: controller.signal,
      onLive: live,
      onRecord: (r) => {
        seen.push(String(r.args.path));
        if (seen.includes('docs/todo.txt')) controller.abort();
      },
    });
    await isLive;
    const other = await t.connect({ noCache: true });
    await other.hash('docs/todo.txt');
    await following;
    expect(seen).toContain('docs/todo.txt');
  });
});

describe('background hashing', () => {
  it('hashes the files of a folder someone browses, so their download reads nothing; a recursive search queues nothing', async () => {
    const fresh = await startTestServer({ 'a/one.bin': Buffer.alloc(3000, 1), 'a/two.bin': Buffer.alloc(5000, 2), 'b/deep/three.bin': Buffer.alloc(7000, 3) });
    try {
      const c = await fresh.connect({ noCache: true });
      await c.list({ path: '', recursive: true });
      expect(fresh.server.hashIndex.warmingFiles).toBe(0);
      expect(fresh.server.hashIndex.size).toBe(0);
      await c.list({ path: 'a', recursive: false });
      const deadline = Date.now() + 10_000;
      while (fresh.server.hashIndex.size < 2 && Date.now() < deadline) await new Promise((r) => setImmediate(r));
      expect(fresh.server.hashIndex.size).toBe(2);
      const read = fresh.server.hashIndex.stats.bytesHashed;
      expect(read).toBe(8000);
      const r = await c.download('a/two.bin', { dest: await scratchDir('ferry-warm-') });
      expect(r.md5).toBe(md5(Buffer.alloc(5000, 2)));
      expect(fresh.server.hashIndex.stats.bytesHashed).toBe(read); // the download read nothing to hash
    } finally {
      await fresh.close();
    }
  });
});

describe('broken links, end to end', () => {
  it('reach the client as links with their reason (and a safe target), and hashall leaves them alone', async () => {
    const s = await startTestServer({ 'a.txt': 'a' });
    try {
      const { symlink } = await import('node:fs/promises');
      await symlink('gone\u001b[2J.txt', s.share.abs('stale'));
      await symlink(s.share.outside, s.share.abs('escape'));
      const c = await s.connect({ noCache: true });
      const entries = await c.list();
      // The text is the server's: shown escaped, never as raw control bytes.
      expect(entries.find((e) => e.path === 'stale')).toMatchObject({ type: 'link', link: 'dangling', target: 'gone\\x1b[2J.txt' });
      expect(entries.find((e) => e.path === 'escape')).toMatchObject({ type: 'link', link: 'outside' });
      expect(entries.find((e) => e.path === 'escape')).not.toHaveProperty('target');
      expect((await c.hashAll()).map((r) => r.path)).toEqual(['a.txt']);
      await expect(c.download('escape', { dest: await scratchDir() })).rejects.toMatchObject({ code: 'OUTSIDE_SHARE' });
    } finally {
      await s.close();
    }
  });
});
