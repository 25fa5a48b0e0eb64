import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeEntry } from '../helpers/fake-client.js';
import { cursorRow, focusedSide, localText, remoteText, rowOf } from './frames.js';
import { renderApp, type AppHarness } from './harness.js';

let app: AppHarness | undefined;
afterEach(() => app?.unmount());

const W = 120;
const ready = (f: string) => f.includes('notes.md') && f.includes('drafts/');

describe('browsing', () => {
  it('shows both panes with size, time and type, folders first, remote focused', async () => {
    app = renderApp();
    const f = await app.waitFor(ready);
    const remote = remoteText(f, W);
    expect(focusedSide(f, W)).toBe('remote');
    expect(rowOf(remote, 'Pasta')).toMatch(/Pasta\/\s+—\s+2020-04-\d\d \d\d:\d\d\s+dir/);
    expect(rowOf(remote, '163.jpg')).toMatch(/25\.4 KiB \d{4}-\d\d-\d\d \d\d:\d\d jpg/);
    const lines = remote.split('\n');
    expect(lines.findIndex((l) => l.includes('Pasta/'))).toBeLessThan(lines.findIndex((l) => l.includes('160.jpg')));
    expect(rowOf(localText(f, W), 'like.txt')).toContain('15 B');
    expect(remote).not.toContain('.hidden');
    expect(remote).toContain('1 hidden');
  });

  it('moves with j/k, arrows, G and g', async () => {
    app = renderApp();
    await app.waitFor(ready);
    await app.press('j', 'down');
    let f = await app.waitFor((x) => cursorRow(remoteText(x, W))?.includes('163.jpg') === true);
    expect(remoteText(f, W)).toContain('3/5');
    await app.press('k');
    f = await app.waitFor((x) => cursorRow(remoteText(x, W))?.includes('160.jpg') === true);
    await app.press('G');
    await app.waitFor((x) => cursorRow(remoteText(x, W))?.includes('notes.md') === true);
    await app.press('up', 'g');
    f = await app.waitFor((x) => cursorRow(remoteText(x, W))?.includes('Pasta') === true);
    expect(remoteText(f, W)).toContain('1/5');
  });

  it('opens a folder with Enter and goes back with Backspace and h', async () => {
    app = renderApp();
    await app.waitFor(ready);
    await app.press('enter');
    let f = await app.waitFor((x) => x.includes('recipe.txt'));
    expect(remoteText(f, W)).toMatch(/remote {2}127\.0\.0\.1:2003\/Pasta/);
    expect(rowOf(remoteText(f, W), '..')).toBeDefined();
    expect(app.api.listCalls.at(-1)).toMatchObject({ path: 'Pasta', recursive: false });
    await app.press('backspace');
    f = await app.waitFor((x) => x.includes('163.jpg'));
    await app.press('enter');
    await app.waitFor((x) => x.includes('recipe.txt'));
    await app.press('h');
    await app.waitFor((x) => x.includes('163.jpg') && !x.includes('recipe.txt'));
    // Enter on '..' goes up too.
    await app.press('enter');
    await app.waitFor((x) => x.includes('recipe.txt'));
    await app.press('g', 'enter');
    await app.waitFor((x) => x.includes('163.jpg'));
  });

  it('switches panes with Tab; the focused border moves', async () => {
    app = renderApp();
    await app.waitFor(ready);
    await app.press('tab');
    let f = await app.waitFor((x) => focusedSide(x, W) === 'local');
    expect(cursorRow(localText(f, W))).toContain('▌');
    expect(cursorRow(remoteText(f, W))).toContain('›');
    await app.press('enter');
    f = await app.waitFor((x) => x.includes('a.txt'));
    expect(localText(f, W)).toMatch(/local {2}\S+\/drafts/);
    await app.press('tab');
    await app.waitFor((x) => focusedSide(x, W) === 'remote');
  });

  it('toggles hidden files and cycles the sort column', async () => {
    app = renderApp();
    await app.waitFor(ready);
    await app.press('.');
    await app.waitFor((x) => rowOf(remoteText(x, W), '.hidden') !== undefined);
    await app.press('o');
    let f = await app.waitFor((x) => x.includes('size▲'));
    await app.press('O');
    f = await app.waitFor((x) => x.includes('size▼'));
    const lines = remoteText(f, W).split('\n');
    // Largest file first when reversed (folders still lead).
    expect(lines.findIndex((l) => l.includes('163.jpg'))).toBeLessThan(lines.findIndex((l) => l.includes('like.txt')));
    await app.press('o');
    await app.waitFor((x) => x.includes('modified▼'));
  });

  it('moves by a page with PgDn/PgUp', async () => {
    const files = Array.from({ length: 200 }, (_, i) => ({ path: `f${String(i).padStart(3, '0')}.txt`, content: 'x' }));
    app = renderApp({ files });
    await app.waitFor((x) => x.includes('f000.txt'));
    await app.press('pagedown');
    const f = await app.waitFor((x) => /\d+\/200/.test(x) && !x.includes(' 1/200'));
    const pos = Number(/(\d+)\/200/.exec(f)![1]);
    expect(pos).toBeGreaterThan(20);
    await app.press('pageup');
    await app.waitFor((x) => x.includes(' 1/200'));
  });
});

describe('keys arriving together', () => {
  it('treats a chunk of typed keys as separate keypresses, each meeting the screen it was typed at', async () => {
    app = renderApp();
    await app.waitFor(ready);
    app.stdin.write('jj');
    await app.waitFor((x) => cursorRow(remoteText(x, W))?.includes('163.jpg') === true);
    // ':' opens the command line; the rest of the chunk must land in it.
    app.stdin.write(':help\r');
    await app.waitFor((x) => x.includes('help · Esc close'));
  });
});

describe('broken links', () => {
  it('are shown in both panes as name -> target, marked broken, and d on one downloads nothing', async () => {
    app = renderApp({ columns: 120, rows: 30, files: [{ path: 'a.txt', content: 'a' }], local: { 'b.txt': 'b' } });
    symlinkSync('gone.txt', join(app.localRoot, 'old-notes'));
    app.api.listings.set('', [
      makeEntry('a.txt', 'file', 1),
      { ...makeEntry('escape', 'file'), type: 'link', link: 'outside', ext: '' },
      { ...makeEntry('stale', 'file'), type: 'link', link: 'dangling', target: 'docs/old.md', ext: '' },
    ]);
    await app.press('r', 'tab', 'r', 'tab');
    const f = await app.waitFor((x) => x.includes('stale ->') && x.includes('old-notes ->'));
    expect(rowOf(remoteText(f, 120), 'escape')).toMatch(/escape -> \(outside\) +broken .* link/);
    expect(rowOf(remoteText(f, 120), 'stale')).toMatch(/stale -> docs\/old\.md +broken/);
    expect(rowOf(localText(f, 120), 'old-notes')).toMatch(/old-notes -> gone\.txt +broken .* link/);
    await app.press('G', 'd');
    await app.waitFor((x) => x.includes('nothing to download here'));
    expect(app.api.startedTransfers).toBe(0);
  });
});
