import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeEntry, md5 } from '../helpers/fake-client.js';
import { remoteText, rowOf } from './frames.js';
import { renderApp, renderAppAnySize, type AppHarness } from './harness.js';

let app: AppHarness | undefined;
afterEach(() => app?.unmount());

const W = 120;
const ready = (f: string) => f.includes('notes.md') && f.includes('drafts/');
const statsLine = (f: string) => f.split('\n').find((l) => /^[│┃] .*\d+\/\d+ files/.test(l));
const transferLine = (f: string, name: string) => f.split('\n').find((l) => /^│ (TCP|UDP|UP ) /.test(l) && l.includes(name));

describe('transfers', () => {
  it('downloads the selected file over TCP into the local folder, with progress then a verified MD5', async () => {
    app = renderApp();
    await app.waitFor(ready);
    await app.press('j', 'j'); // 163.jpg
    await app.press('d');
    const t = await app.api.downloads.next();
    expect(t.path).toBe('163.jpg');
    expect(t.options).toMatchObject({ transport: 'tcp', dest: app.localRoot });
    t.progress(13005, 2_000_000);
    let f = await app.waitFor((x) => transferLine(x, '163.jpg')?.includes('50%') === true);
    const line = transferLine(f, '163.jpg')!;
    expect(line).toMatch(/TCP +163\.jpg .*█+░+ +50% +12\.7 KiB\/25\.4 KiB +1\.9 MiB\/s +ETA 0 s/);
    expect(f).toContain('⇅ 1 running');
    t.finish();
    f = await app.waitFor((x) => transferLine(x, '163.jpg')?.includes('md5 ✓') === true);
    const m = md5('');
    expect(transferLine(f, '163.jpg')).toContain(`md5 ✓ ${m.slice(0, 4)}…${m.slice(-4)}`);
    expect(transferLine(f, '163.jpg')).toContain('100%');
    expect(f).not.toContain('running');
  });

  it('asks each download for an MD5 computed here when the md5 setting is on, and only then', async () => {
    for (const md5Here of [true, false]) {
      app = renderApp({ md5Here });
      await app.waitFor(ready);
      await app.press('j', 'j'); // 163.jpg
      await app.press('d');
      const t = await app.api.downloads.next();
      if (md5Here) expect(t.options).toMatchObject({ md5: true });
      else expect(t.options).not.toHaveProperty('md5');
      t.finish();
      await app.waitFor((x) => transferLine(x, '163.jpg')?.includes('md5 ✓') === true);
      app.unmount();
      app = undefined;
    }
  });

  it('downloads marked files together over UDP with D', async () => {
    app = renderApp();
    await app.waitFor(ready);
    await app.press('j', 'space', 'space'); // marks 160.jpg and 163.jpg
    let f = await app.waitFor((x) => x.includes('2 marked'));
    expect(rowOf(remoteText(f, W), '160.jpg')).toMatch(/\*160\.jpg/);
    await app.press('D');
    const a = await app.api.downloads.next();
    const b = await app.api.downloads.next();
    expect([a.path, b.path].sort()).toEqual(['160.jpg', '163.jpg']);
    expect(a.options).toMatchObject({ transport: 'udp' });
    f = await app.waitFor((x) => transferLine(x, '160.jpg') !== undefined && transferLine(x, '163.jpg') !== undefined);
    expect(transferLine(f, '160.jpg')).toMatch(/^│ UDP /);
    expect(f).not.toContain('marked');
    a.finish();
    b.fail(Object.assign(new Error('file changed on the server while downloading'), { code: 'CHANGED' }));
    f = await app.waitFor((x) => transferLine(x, '163.jpg')?.includes('✗') === true);
    expect(transferLine(f, '163.jpg')).toContain('✗ file changed on the server while downloading (CHANGED)');
    // The failure is also a dismissible message; no stack trace anywhere.
    expect(f).toMatch(/✗ 163\.jpg: file changed/);
    expect(f).not.toMatch(/\bat .*\.(ts|js):\d+/);
    await app.press('escape');
    await app.waitFor((x) => !x.includes('Esc dismiss'));
  });

  it('keeps browsing while a transfer runs', async () => {
    app = renderAppAnySize();
    await app.waitFor(ready);
    await app.press('j', 'd');
    const t = await app.api.downloads.next();
    t.progress(100);
    await app.press('g', 'enter');
    await app.waitFor((x) => x.includes('recipe.txt') && x.includes('160.jpg'));
    t.finish();
    await app.waitFor((x) => transferLine(x, '160.jpg')?.includes('md5 ✓') === true);
  });

  it('downloads a whole folder through the queue: listed, one transfer per file into a folder of the same name', async () => {
    app = renderApp({
      files: [
        { path: 'Pasta/a.txt', content: 'a'.repeat(600) },
        { path: 'Pasta/sub/b.txt', content: 'b'.repeat(400) },
        { path: 'x.txt', content: 'x' },
      ],
    });
    await app.waitFor((x) => x.includes('Pasta/') && x.includes('x.txt'));
    await app.press('d');
    const a = await app.api.downloads.next();
    const b = await app.api.downloads.next();
    // Walked a folder at a time, each listing streamed: never the whole tree in one answer.
    // The panes stream their listings too; the folder's walk is the rest.
    expect(app.api.streamCalls.filter((c) => c.hidden === undefined)).toEqual([{ path: 'Pasta' }, { path: 'Pasta/sub' }]);
    expect(a.path).toBe('Pasta/a.txt');
    expect(a.options).toMatchObject({ transport: 'tcp', dest: join(app.localRoot, 'Pasta') });
    expect(b.path).toBe('Pasta/sub/b.txt');
    expect(b.options).toMatchObject({ dest: join(app.localRoot, 'Pasta', 'sub') });
    expect(a.options).not.toHaveProperty('recursive');
    // The batch is the folder's files and bytes.
    let f = await app.waitFor((x) => statsLine(x)?.includes('0/2 files') === true);
    expect(statsLine(f)).toContain('0 B/1000 B');
    a.finish();
    b.finish();
    f = await app.waitFor((x) => statsLine(x)?.includes('2/2 files') === true);
    expect(statsLine(f)).toMatch(/1000 B\/1000 B .*done/);
    expect(transferLine(f, 'b.txt')).toContain('md5 ✓');
    // Once its files are in, the folder itself: its empty folders made and every folder's time kept.
    const folders = await app.api.downloads.next();
    expect(folders.path).toBe('Pasta');
    expect(folders.options).toMatchObject({ dest: app.localRoot, recursive: true, foldersOnly: true });
    folders.finish();
  });

  it('an empty remote folder downloaded is made here too (the folders step runs with no files)', async () => {
    app = renderApp({ files: [{ path: 'x.txt', content: 'x' }] });
    app.api.listings.set('', [makeEntry('Vacant', 'dir'), makeEntry('x.txt', 'file', 1)]);
    app.api.listings.set('Vacant', []);
    await app.press('r');
    await app.waitFor((x) => x.includes('Vacant/'));
    await app.press('d');
    const folders = await app.api.downloads.next();
    expect(folders.path).toBe('Vacant');
    expect(folders.options).toMatchObject({ dest: app.localRoot, recursive: true, foldersOnly: true });
    folders.finish();
  });

  it("has nothing to download on '..'", async () => {
    app = renderAppAnySize();
    await app.waitFor(ready);
    await app.press('enter');
    await app.waitFor((x) => x.includes('recipe.txt'));
    await app.press('g', 'd');
    await app.waitFor((x) => x.includes('nothing to download here'));
  });

  it('uploads from the local pane when the server allows it', async () => {
    app = renderAppAnySize();
    await app.waitFor(ready);
    await app.press('tab', 'j'); // local: drafts/, like.txt
    await app.press('u');
    const up = await app.api.uploads.next();
    expect(up.path).toBe('like.txt');
    up.finish();
    await app.waitFor((x) => transferLine(x, 'like.txt')?.startsWith('│ UP ') === true);
  });

  it('says so when uploads are not allowed', async () => {
    app = renderApp({ uploadAllowed: false });
    const f = await app.waitFor(ready);
    expect(f).not.toMatch(/ u upload /);
    await app.press('tab', 'j', 'u');
    await app.waitFor((x) => x.includes('this server does not accept uploads'));
  });

  it('asks before quitting while a transfer runs; n keeps going, y quits', async () => {
    app = renderAppAnySize();
    await app.waitFor(ready);
    await app.press('j', 'd');
    const t = await app.api.downloads.next();
    await app.press('q');
    await app.waitFor((x) => x.includes('1 transfer is still running'));
    await app.press('n');
    await app.waitFor((x) => !x.includes('still running'));
    expect(app.exited()).toBe(false);
    await app.press('q', 'y');
    expect(app.exited()).toBe(true);
    expect(t.settled).toBe(true); // aborted
  });

  it('quits at once with q when nothing runs, and with Ctrl-C always', async () => {
    app = renderAppAnySize();
    await app.waitFor(ready);
    await app.press('q');
    expect(app.exited()).toBe(true);
    const other = renderAppAnySize();
    await other.waitFor(ready);
    await other.press('j', 'd');
    await other.api.downloads.next();
    await other.press('C-c');
    expect(other.exited()).toBe(true);
    other.unmount();
  });
});

describe('a resumed download', () => {
  it('says how much was kept in a human size', async () => {
    app = renderAppAnySize();
    await app.waitFor(ready);
    await app.press('j', 'd');
    (await app.api.downloads.next()).finish({ resumedFrom: 3 * 1024 * 1024 + 200 * 1024 });
    const f = await app.waitFor((x) => transferLine(x, '160.jpg')?.includes('md5 ✓') === true);
    expect(transferLine(f, '160.jpg')).toContain('resumed at 3.2 MiB');
  });
});

describe('failures are told apart by reason, not by their words', () => {
  it('an EXISTS that is not a differing file (a folder in the way) fails the row, without asking', async () => {
    app = renderAppAnySize();
    await app.waitFor(ready);
    await app.press('j', 'd');
    // Worded like the differing case on purpose: the words decide nothing.
    (await app.api.downloads.next()).fail(Object.assign(new Error('/x/160.jpg already exists and is not a file'), { code: 'EXISTS' }));
    const f = await app.waitFor((x) => transferLine(x, '160.jpg')?.includes('✗') === true);
    expect(f).not.toContain('exists here and differs');
    expect(transferLine(f, '160.jpg')).toContain('already exists and is not a file');
  });
});

describe('keys faster than the screen', () => {
  it('acts on the row the previous keys moved to, even before it is drawn', async () => {
    app = renderAppAnySize();
    await app.waitFor(ready);
    // Three keys in one synchronous burst: no render can happen in between.
    app.stdin.write('j');
    app.stdin.write('j');
    app.stdin.write('d');
    const t = await app.api.downloads.next();
    expect(t.path).toBe('163.jpg');
  });
});

describe('finished transfers', () => {
  it('x clears them and keeps the running ones', async () => {
    app = renderApp();
    await app.waitFor(ready);
    await app.press('j', 'd');
    (await app.api.downloads.next()).finish();
    await app.waitFor((x) => x.includes('md5 ✓'));
    await app.press('j', 'd');
    await app.api.downloads.next();
    await app.waitFor((x) => transferLine(x, '163.jpg') !== undefined);
    await app.press('x');
    const f = await app.waitFor((x) => transferLine(x, '160.jpg') === undefined);
    expect(transferLine(f, '163.jpg')).toBeDefined();
  });
});

describe('selecting a transfer', () => {
  it('t then x cancels the running one quietly, then removes it from the list', async () => {
    app = renderApp();
    await app.waitFor(ready);
    await app.press('j', 'd');
    const t = await app.api.downloads.next();
    t.progress(1000);
    await app.press('t');
    let f = await app.waitFor((x) => x.includes('x cancel/remove · Esc done'));
    expect(f).toMatch(/┏ transfers/);
    await app.press('x');
    f = await app.waitFor((x) => transferLine(x.replace(/┃/g, '│'), '160.jpg')?.includes('✗ cancelled') === true);
    expect(t.options.signal?.aborted).toBe(true);
    expect(f).not.toContain('Esc dismiss'); // a cancel is not an error message
    await app.press('x');
    // The list is empty: back to the panes, no transfer area.
    await app.waitFor((x) => !x.includes('transfers') && !x.includes('x cancel/remove'));
    await app.press('j');
    await app.waitFor((x) => x.includes('3/5'));
  });

  it('says so when there is nothing to select', async () => {
    app = renderAppAnySize();
    await app.waitFor(ready);
    await app.press('t');
    await app.waitFor((x) => x.includes('no transfers yet'));
  });
});
