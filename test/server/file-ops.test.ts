// mkdir, move, remove and copy against a real server over a temp share: what
// each does, what each refuses with which code, what the command log records,
// and that the hash index never answers for a file that is gone.

import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { FerryClient } from '../../src/client/client.js';
import type { LogRecord } from '../../src/client/types.js';
import { codeOf, startTestServer, waitFor, type TestServer } from '../helpers/server.js';
import { DEFAULT_MTIME_MS, md5Of } from '../helpers/temp-share.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function writableServer(spec: Record<string, string> = {}, limits = {}): Promise<{ t: TestServer; c: FerryClient }> {
  t = await startTestServer(spec, { allowWrite: true, limits });
  return { t, c: await t.connect({ noCache: true }) };
}

/** The server's command log as a client reads it. */
function logLines(c: FerryClient): Promise<LogRecord[]> {
  return c.logs({ limit: 1000 });
}

describe('read-only server', () => {
  it('refuses every write op with READ_ONLY, says so in WELCOME, and changes nothing', async () => {
    t = await startTestServer({ 'a.txt': 'a', 'd/b.txt': 'b' });
    const c = await t.connect({ noCache: true });
    expect(c.info.features).not.toContain('write');
    expect(c.writable).toBe(false);
    // The client refuses before asking; the server refuses too when asked directly.
    expect(await codeOf(c.mkdir('new'))).toBe('READ_ONLY');
    expect(await codeOf(c.move('a.txt', 'b.txt'))).toBe('READ_ONLY');
    expect(await codeOf(c.remove('a.txt'))).toBe('READ_ONLY');
    expect(await codeOf(c.copy('a.txt', 'c.txt'))).toBe('READ_ONLY');
    const rpc = await c.rpc();
    for (const req of [
      { op: 'mkdir', path: 'new' },
      { op: 'move', from: 'a.txt', to: 'b.txt' },
      { op: 'remove', path: 'd', recursive: true },
      { op: 'copy', from: 'a.txt', to: 'c.txt' },
    ] as const) {
      expect(await codeOf(rpc.request(req))).toBe('READ_ONLY');
    }
    expect((await readdir(t.share.root)).sort()).toEqual(['a.txt', 'd']);
    expect(await readdir(t.share.abs('d'))).toEqual(['b.txt']);
  });

  it('--allow-upload still means the write permission (the old name)', async () => {
    t = await startTestServer({}, { allowUpload: true });
    const c = await t.connect({ noCache: true });
    expect(c.info.features).toEqual(expect.arrayContaining(['upload', 'write']));
    expect(await c.mkdir('made')).toEqual({ path: 'made', created: true });
  });
});

describe('mkdir', () => {
  it('makes a folder, refuses an existing name, and with parents makes the path and accepts an existing folder', async () => {
    const { t, c } = await writableServer({ 'f.txt': 'x' });
    expect(await c.mkdir('new')).toEqual({ path: 'new', created: true });
    expect((await stat(t.share.abs('new'))).isDirectory()).toBe(true);
    expect(await codeOf(c.mkdir('new'))).toBe('EXISTS');
    expect(await codeOf(c.mkdir('f.txt'))).toBe('EXISTS');
    expect(await codeOf(c.mkdir('a/b/c'))).toBe('NOT_FOUND');
    expect(await c.mkdir('a/b/c', { parents: true })).toEqual({ path: 'a/b/c', created: true });
    expect(await c.mkdir('a/b/c', { parents: true })).toEqual({ path: 'a/b/c', created: false });
    expect(await codeOf(c.mkdir('f.txt/x', { parents: true }))).toBe('NOT_A_DIRECTORY');
    expect(await codeOf(c.mkdir('f.txt', { parents: true }))).toBe('NOT_A_DIRECTORY');
    expect((await c.list({ path: 'a/b' })).map((e) => e.name)).toEqual(['c']);
  });
});

describe('move', () => {
  it('renames a file, keeps its bytes, time and known hash, and refuses to overwrite unless asked', async () => {
    const { t, c } = await writableServer({ 'a.txt': 'alpha', 'b.txt': 'beta', 'd/': '' });
    const before = await c.hash('a.txt');
    expect(await c.move('a.txt', 'd/a2.txt')).toEqual({ from: 'a.txt', to: 'd/a2.txt', moved: true });
    expect(await readFile(t.share.abs('d/a2.txt'), 'utf8')).toBe('alpha');
    expect((await stat(t.share.abs('d/a2.txt'))).mtimeMs).toBe(DEFAULT_MTIME_MS);
    expect(await codeOf(stat(t.share.abs('a.txt')))).not.toBe('resolved');
    const hashedBefore = t.server.hashIndex.stats.bytesHashed;
    expect((await c.hash('d/a2.txt')).md5).toBe(before.md5);
    expect(t.server.hashIndex.stats.bytesHashed).toBe(hashedBefore); // same identity: not read again
    expect(await codeOf(c.move('b.txt', 'd/a2.txt'))).toBe('EXISTS');
    expect(await readFile(t.share.abs('d/a2.txt'), 'utf8')).toBe('alpha');
    await c.move('b.txt', 'd/a2.txt', { overwrite: true });
    expect(await readFile(t.share.abs('d/a2.txt'), 'utf8')).toBe('beta');
    expect((await c.hash('d/a2.txt')).md5).toBe(md5Of('beta'));
  });

  it('moves a folder across folders in one rename, and refuses what it must', async () => {
    const { t, c } = await writableServer({ 'src/x/1.txt': '1', 'src/2.txt': '2', 'dst/': '', 'file.txt': 'f', 'full/keep.txt': 'k' });
    await c.move('src', 'dst/moved');
    expect((await readdir(t.share.abs('dst/moved'))).sort()).toEqual(['2.txt', 'x']);
    expect(await readFile(t.share.abs('dst/moved/x/1.txt'), 'utf8')).toBe('1');
    expect(await codeOf(c.move('dst/moved', 'dst/moved/x/inside'))).toBe('BAD_REQUEST');
    expect(await codeOf(c.move('dst/moved', 'full'))).toBe('EXISTS');
    expect(await codeOf(c.move('dst/moved', 'file.txt', { overwrite: true }))).toBe('EXISTS'); // a folder never replaces a file
    expect(await codeOf(c.move('file.txt', 'full', { overwrite: true }))).toBe('EXISTS'); // nor a file a folder
    expect(await codeOf(c.move('nothing', 'there'))).toBe('NOT_FOUND');
    expect(await codeOf(c.move('file.txt', 'no/such/folder.txt'))).toBe('NOT_FOUND');
    expect(await c.move('file.txt', 'file.txt')).toMatchObject({ moved: false });
    expect(await codeOf(c.move('ghost.txt', 'ghost.txt'))).toBe('NOT_FOUND');
    expect(await readFile(t.share.abs('full/keep.txt'), 'utf8')).toBe('k');
  });
});

describe('remove', () => {
  it('removes a file and forgets its hash; an empty folder; a full one only with recursive', async () => {
    const { t, c } = await writableServer({ 'a.txt': 'alpha', 'empty/': '', 'full/x.txt': 'x', 'full/sub/y.txt': 'y' });
    await c.hash('a.txt');
    const known = t.server.hashIndex.size;
    expect(await c.remove('a.txt')).toEqual({ path: 'a.txt', removed: 1 });
    expect(t.server.hashIndex.size).toBe(known - 1);
    expect(await codeOf(c.remove('a.txt'))).toBe('NOT_FOUND');
    expect(await c.remove('empty')).toEqual({ path: 'empty', removed: 1 });
    expect(await codeOf(c.remove('full'))).toBe('NOT_EMPTY');
    expect(await readFile(t.share.abs('full/x.txt'), 'utf8')).toBe('x');
    expect(await c.remove('full', { recursive: true })).toEqual({ path: 'full', removed: 4 });
    expect(await readdir(t.share.root)).toEqual([]);
  });

  it('does a big recursive remove in bounded steps, each logged, and reports progress', async () => {
    const spec: Record<string, string> = {};
    for (let i = 0; i < 60; i++) spec[`big/d${i % 4}/f${i}.txt`] = String(i);
    const { t, c } = await writableServer(spec, { removeEntries: 10 });
    const seen: number[] = [];
    const rpc = await c.rpc();
    // One request alone stops at the bound and says more is left.
    const step = await rpc.request({ op: 'remove', path: 'big', recursive: true });
    expect(step).toMatchObject({ removed: 10, more: true });
    const result = await c.remove('big', { recursive: true, onProgress: (n) => seen.push(n) });
    expect(result.removed).toBe(64 + 1 - 10); // 60 files, 4 folders, the folder itself, less the first step
    expect(seen.at(-1)).toBe(result.removed);
    expect(await readdir(t.share.root)).toEqual([]);
    const removes = (await logLines(c)).filter((l) => l.command === 'remove');
    expect(removes.length).toBeGreaterThanOrEqual(6);
    expect(removes.every((l) => l.outcome === 'ok')).toBe(true);
  });
});

describe('copy', () => {
  it('copies a file with its time and MD5 (remembered, not read again), refusing to overwrite unless asked', async () => {
    const { t, c } = await writableServer({ 'a.txt': 'alpha', 'b.txt': 'beta' });
    expect(await c.copy('a.txt', 'c.txt')).toMatchObject({ files: 1, bytes: 5 });
    expect(await readFile(t.share.abs('c.txt'), 'utf8')).toBe('alpha');
    expect((await stat(t.share.abs('c.txt'))).mtimeMs).toBe(DEFAULT_MTIME_MS);
    const hashed = t.server.hashIndex.stats.bytesHashed;
    expect((await c.hash('c.txt')).md5).toBe(md5Of('alpha'));
    expect(t.server.hashIndex.stats.bytesHashed).toBe(hashed);
    expect(await codeOf(c.copy('b.txt', 'c.txt'))).toBe('EXISTS');
    await c.copy('b.txt', 'c.txt', { overwrite: true });
    expect(await readFile(t.share.abs('c.txt'), 'utf8')).toBe('beta');
    expect((await readdir(t.share.root)).sort()).toEqual(['a.txt', 'b.txt', 'c.txt']); // no temp file left
  });

  it('copies a folder whole under a temp name, then renames it into place', async () => {
    const { t, c } = await writableServer({ 'src/x/1.txt': '1', 'src/2.txt': '22', 'src/empty/': '' });
    const result = await c.copy('src', 'copy');
    expect(result).toMatchObject({ files: 2, folders: 2, bytes: 3, skipped: 0 });
    expect(await readFile(t.share.abs('copy/x/1.txt'), 'utf8')).toBe('1');
    expect((await stat(t.share.abs('copy/empty'))).isDirectory()).toBe(true);
    expect(await codeOf(c.copy('src', 'copy'))).toBe('EXISTS');
    expect(await codeOf(c.copy('src', 'src/inside'))).toBe('BAD_REQUEST');
    expect((await readdir(t.share.root)).sort()).toEqual(['copy', 'src']);
  });

  it('refuses a folder past the bound and leaves nothing behind', async () => {
    const spec: Record<string, string> = {};
    for (let i = 0; i < 20; i++) spec[`src/f${i}.txt`] = String(i);
    const { t, c } = await writableServer(spec, { copyEntries: 5 });
    expect(await codeOf(c.copy('src', 'copy'))).toBe('TOO_LARGE');
    expect(await readdir(t.share.root)).toEqual(['src']);
  });
});

describe('the command log and other clients', () => {
  it('records every change, and another client sees it on its next listing', async () => {
    const { t, c } = await writableServer({ 'a.txt': 'a' });
    const other = await t.connect({ noCache: true });
    await c.mkdir('d');
    await c.copy('a.txt', 'd/a.txt');
    await c.move('a.txt', 'b.txt');
    await c.remove('d', { recursive: true });
    expect(await codeOf(c.remove('d'))).toBe('NOT_FOUND');
    expect((await other.list()).map((e) => e.name)).toEqual(['b.txt']);
    const lines = await waitFor(async () => {
      const l = (await logLines(c)).filter((x) => ['mkdir', 'copy', 'move', 'remove'].includes(x.command));
      return l.length >= 5 ? l : undefined;
    }, 'the log lines');
    expect(lines.map((l) => [l.command, l.outcome])).toEqual([
      ['mkdir', 'ok'],
      ['copy', 'ok'],
      ['move', 'ok'],
      ['remove', 'ok'],
      ['remove', 'NOT_FOUND'],
    ]);
    expect(lines[2]!.args).toMatchObject({ from: 'a.txt', to: 'b.txt' });
  });

  it('a file written in place of a removed one never gets its hash', async () => {
    const { t, c } = await writableServer({ 'a.txt': 'AAAA' });
    await c.hash('a.txt');
    await c.remove('a.txt');
    // Same name, same size, same time: only the identity tells them apart, and the old one is forgotten.
    await writeFile(t.share.abs('a.txt'), 'BBBB');
    const { utimes } = await import('node:fs/promises');
    await utimes(t.share.abs('a.txt'), DEFAULT_MTIME_MS / 1000, DEFAULT_MTIME_MS / 1000);
    expect((await c.hash('a.txt')).md5).toBe(md5Of('BBBB'));
  });
});
