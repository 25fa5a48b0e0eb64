import { describe, expect, it } from 'vitest';
import { untilAborted } from '../../src/cli/shell.js';
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
