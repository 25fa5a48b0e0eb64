// Destinations that exist and differ, in the app: one question per conflict,
// asked in the order met and never one replacing another, both sides shown,
// the queue going on meanwhile, and answers "for all the rest of this batch".

import { afterEach, describe, expect, it } from 'vitest';
import type { DownloadOptions, UploadOptions } from '../../src/client/types.js';
import { md5 } from '../helpers/fake-client.js';
import { renderApp, type AppHarness } from './harness.js';

let app: AppHarness | undefined;
afterEach(() => app?.unmount());

const exists = (path: string) =>
  Object.assign(new Error(`/x/${path} already exists and differs (--overwrite, --skip-existing, --update or --keep-both)`), {
    code: 'EXISTS',
    reason: 'DIFFERS',
  });
const dialogTitle = (f: string) => f.split('\n').find((l) => l.startsWith('┏') && l.includes('differs'));
const statsLine = (f: string) => f.split('\n').find((l) => /^[│┃] .*\d+\/\d+ files/.test(l));

const FILES = [
  { path: 'a.txt', content: 'server a', mtimeMs: Date.UTC(2026, 11, 1, 9, 14) },
  { path: 'b.txt', content: 'server b' },
  { path: 'c.txt', content: 'server c' },
  { path: 'd.txt', content: 'server d' },
  { path: 'e.txt', content: 'server e' },
];
const ready = (f: string) => f.includes('a.txt') && f.includes('e.txt');

/** Mark the first `n` remote files (the cursor starts on the first). */
async function markFirst(a: AppHarness, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await a.press('space');
  await a.waitFor((x) => x.includes(`${n} marked`));
}

describe('conflicts', () => {
  it('two marked files that differ here: both are asked, in order, each answered alone', async () => {
    app = renderApp({ files: FILES, local: { 'a.txt': 'ours a!', 'b.txt': 'ours b' } });
    await app.waitFor(ready);
    await markFirst(app, 2);
    await app.press('d');
    const first = [await app.api.downloads.next(), await app.api.downloads.next()];
    expect(first.map((d) => d.path)).toEqual(['a.txt', 'b.txt']);
    first[0]!.fail(exists('a.txt'));
    first[1]!.fail(exists('b.txt'));
    let f = await app.waitFor((x) => dialogTitle(x)?.includes('a.txt exists here and differs (1 of 2 conflicts)') === true);
    // Both sides: the server's from its stat, ours hashed here ("…" until then).
    f = await app.waitFor((x) => x.includes(md5('ours a!')));
    expect(f).toContain(md5('server a'));
    expect(f).toMatch(/server +8 B +2026-12-01/);
    expect(f).toMatch(/here +7 B /);
    await app.press('o');
    const again = await app.api.downloads.next();
    expect(again.path).toBe('a.txt');
    expect(again.options).toMatchObject({ existing: 'overwrite', dest: app.localRoot });
    // The second question comes next: it was waiting, not replaced.
    f = await app.waitFor((x) => dialogTitle(x)?.includes('b.txt exists here and differs (2 of 2 conflicts)') === true);
    await app.press('s');
    again.finish();
    f = await app.waitFor((x) => statsLine(x)?.includes('2/2 files') === true);
    expect(statsLine(f)).toContain('1 skipped');
    expect(f).toContain('· kept the local copy');
    expect(dialogTitle(f)).toBeUndefined();
    // Nothing else was started for b.txt.
    expect(app.api.downloads.tryNext()).toBeUndefined();
  });

  it('the queue goes on while a conflict waits, and a capital answers the rest of the batch', async () => {
    app = renderApp({ files: FILES, concurrency: 2 });
    await app.waitFor(ready);
    await markFirst(app, 5);
    await app.press('d');
    const a = await app.api.downloads.next();
    const b = await app.api.downloads.next();
    a.fail(exists('a.txt'));
    await app.waitFor((x) => dialogTitle(x)?.includes('a.txt') === true);
    // The conflict holds no slot: the next file starts while the question is open.
    const c = await app.api.downloads.next();
    expect(c.path).toBe('c.txt');
    b.fail(exists('b.txt'));
    await app.waitFor((x) => dialogTitle(x)?.includes('(1 of 2 conflicts)') === true);
    const d = await app.api.downloads.next();
    expect(d.path).toBe('d.txt');
    await app.press('B'); // keep both, for all the rest of this batch
    // c.txt and d.txt, running with no answer yet, meet conflicts too: the batch's answer applies, unasked.
    c.fail(exists('c.txt'));
    d.fail(exists('d.txt'));
    const started = new Map<string, DownloadOptions>();
    for (let i = 0; i < 5; i++) {
      const t = await app.api.downloads.next();
      started.set(t.path, t.options as DownloadOptions);
      t.finish();
    }
    expect([...started.keys()].sort()).toEqual(['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt']);
    for (const [path, o] of started) expect(o.existing, path).toBe('keep-both');
    const f = await app.waitFor((x) => statsLine(x)?.includes('5/5 files') === true);
    expect(dialogTitle(f)).toBeUndefined();
  });

  it('"for all" reaches only its own batch', async () => {
    app = renderApp({ files: FILES });
    await app.waitFor(ready);
    await markFirst(app, 1);
    await app.press('d');
    (await app.api.downloads.next()).fail(exists('a.txt'));
    await app.waitFor((x) => dialogTitle(x)?.includes('a.txt') === true);
    await app.press('S');
    await app.waitFor((x) => dialogTitle(x) === undefined);
    // A later press of d is a new batch: asked again.
    await app.press('d');
    const b = await app.api.downloads.next();
    expect(b.path).toBe('b.txt');
    expect(b.options).not.toHaveProperty('existing');
    b.fail(exists('b.txt'));
    await app.waitFor((x) => dialogTitle(x)?.includes('b.txt') === true);
    await app.press('escape'); // leave it as it is
    const f = await app.waitFor((x) => dialogTitle(x) === undefined && statsLine(x)?.includes('1/1 files') === true);
    expect(statsLine(f)).toContain('1 skipped');
  });

  it('identical content is skipped without asking and counted as such', async () => {
    app = renderApp({ files: FILES });
    await app.waitFor(ready);
    await markFirst(app, 2);
    await app.press('d');
    (await app.api.downloads.next()).finish({ identical: true, transferred: 0 });
    (await app.api.downloads.next()).finish();
    const f = await app.waitFor((x) => statsLine(x)?.includes('2/2 files') === true);
    expect(statsLine(f)).toContain('1 identical');
    expect(dialogTitle(f)).toBeUndefined();
  });

  it('uploads: a remote file that differs is asked about; one with the same MD5 is not', async () => {
    const files = [...FILES, { path: 'same.txt', content: 'same' }, { path: 'up.txt', content: 'theirs' }];
    app = renderApp({ files, local: { 'same.txt': 'same', 'up.txt': 'ours, newer' } });
    await app.waitFor((x) => ready(x) && x.includes('2 items'));
    await app.press('tab'); // the local pane: same.txt, up.txt
    await app.press('space', 'space');
    await app.waitFor((x) => x.includes('2 marked'));
    await app.press('u');
    const same = await app.api.uploads.next();
    const up = await app.api.uploads.next();
    same.fail(exists('same.txt'));
    up.fail(exists('up.txt'));
    let f = await app.waitFor((x) => dialogTitle(x)?.includes('up.txt exists on the server and differs') === true);
    f = await app.waitFor((x) => x.includes(md5('ours, newer')));
    expect(f).toContain(md5('theirs'));
    expect(f).toContain('n only if ours is newer');
    await app.press('o');
    const again = await app.api.uploads.next();
    expect(again.path).toBe('up.txt');
    expect((again.options as UploadOptions).overwrite).toBe(true);
    again.finish();
    f = await app.waitFor((x) => statsLine(x)?.includes('2/2 files') === true);
    expect(statsLine(f)).toContain('1 identical');
  });
});
