import { describe, expect, it } from 'vitest';
import { runShell, untilAborted } from '../../src/cli/shell.js';
import { FakeFerry } from '../helpers/fake-client.js';
import { fakeIo } from './fake-io.js';
import { shellCompleter } from '../../src/cli/shell-complete.js';

describe('untilAborted', () => {
  it('gives up on work that never settles once the signal fires', async () => {
    const controller = new AbortController();
    const waiting = untilAborted(new Promise<never>(() => {}), controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow('interrupted');
  });

  it('passes results and errors through when not aborted', async () => {
    const signal = new AbortController().signal;
    await expect(untilAborted(Promise.resolve(42), signal)).resolves.toBe(42);
    await expect(untilAborted(Promise.reject(new Error('boom')), signal)).rejects.toThrow('boom');
  });
});

describe('shellCompleter', () => {
  const entries = ['a.txt', 'docs/b.txt', 'docs/my notes.txt'].map((path) => ({ path, type: 'file' as const }));
  let lists = 0;
  const api = {
    list: async () => {
      lists++;
      return [...entries, { path: 'docs', type: 'dir' as const }] as never;
    },
  };
  const complete = (c: ReturnType<typeof shellCompleter>, line: string) => new Promise<[string[], string]>((resolve) => c(line, (_e, r) => resolve(r)));

  it('completes command words case-insensitively', async () => {
    const c = shellCompleter(api);
    expect(await complete(c, 'file')).toEqual([['FileHash verify ', 'FileHash checkall', 'FileDownload TCP ', 'FileDownload UDP '], 'file']);
    expect(await complete(c, 'indexget l')).toEqual([['IndexGet longlist '], 'indexget l']);
    expect(await complete(c, 'x')).toEqual([[], 'x']);
  });

  it('completes remote file names, quoting names with spaces, and lists the share once', async () => {
    let t = 0;
    const c = shellCompleter(api, () => t);
    lists = 0;
    expect(await complete(c, 'FileDownload TCP docs/')).toEqual([['docs/b.txt', '"docs/my notes.txt"'], 'docs/']);
    expect(await complete(c, 'filehash verify "docs/my')).toEqual([['"docs/my notes.txt"'], '"docs/my']);
    expect(lists).toBe(1);
    t = 10_000; // the memo expires: the next Tab lists again
    await complete(c, 'FileHash verify a');
    expect(lists).toBe(2);
  });
});

describe('runShell from a pipe', () => {
  it('exits 1 when check-all reported a file it could not read, though the command itself returned', async () => {
    const api = new FakeFerry([{ path: 'ok.txt', content: 'ok' }]);
    const io = fakeIo({ stdin: 'FileHash checkall\n' });
    const done = runShell(io, api, { dest: '/nonexistent', overwrite: false, noCache: true, json: false, server: 'test' });
    const run = await api.hashAlls.next();
    run.start(2, 3);
    run.result({ path: 'ok.txt', md5: api.md5Of('ok.txt'), size: 2, mtimeMs: 0, mtime: '' });
    run.result({ path: 'locked.bin', md5: '', size: 1, mtimeMs: 0, mtime: '', error: { reason: 'FORBIDDEN', message: 'cannot be read (EACCES)' } });
    run.finish();
    expect(await done).toBe(1);
    expect(io.stdoutText()).toMatch(/! FORBIDDEN .*locked\.bin {2}\(cannot be read \(EACCES\)\)/);
    expect(io.stdoutText()).toContain('1 file could not be read');
  });

  it('exits 0 when every command succeeded', async () => {
    const api = new FakeFerry([{ path: 'ok.txt', content: 'ok' }]);
    const io = fakeIo({ stdin: 'FileHash checkall\n' });
    const done = runShell(io, api, { dest: '/nonexistent', overwrite: false, noCache: true, json: false, server: 'test' });
    const run = await api.hashAlls.next();
    run.start(1, 2);
    run.result({ path: 'ok.txt', md5: api.md5Of('ok.txt'), size: 2, mtimeMs: 0, mtime: '' });
    run.finish();
    expect(await done).toBe(0);
  });
});
