// Finding things: '/' narrows the folder by name as it is typed, F finds names
// in the tree below, and every search lists its results flat, from the folder
// searched, with Enter going to a result where it is. Rows stream in, and a
// listing the user has moved on from is aborted.

import { afterEach, describe, expect, it } from 'vitest';
import { FakeFerry } from '../helpers/fake-client.js';
import { remoteText, rowOf } from './frames.js';
import { SAMPLE, renderApp, type SizedAppHarness } from './harness.js';

let app: SizedAppHarness | undefined;
afterEach(() => app?.unmount());

const W = 120;
const ready = (f: string) => f.includes('notes.md') && f.includes('drafts/');
const remote = (f: string) => remoteText(f, W);

describe('name filter as you type (/)', () => {
  it('narrows the folder at each key without listing again; Enter keeps it, Esc undoes it', async () => {
    app = renderApp();
    await app.waitFor(ready);
    const calls = app.api.listCalls.length;
    await app.press('/');
    await app.waitFor((x) => x.includes('filter names:'));
    await app.type('JP');
    // A capital makes the match exact: 'JP' is in no name.
    await app.waitFor((x) => remote(x).includes('nothing matches the filters'));
    await app.press('backspace', 'backspace');
    await app.type('jp');
    let f = await app.waitFor((x) => !rowOf(remote(x), 'like.txt') && rowOf(remote(x), '160.jpg') !== undefined);
    expect(rowOf(remote(f), '163.jpg')).toBeDefined();
    expect(rowOf(remote(f), 'Pasta')).toBeUndefined();
    f = await app.waitFor((x) => x.includes('[/jp]'));
    expect(app.api.listCalls.length).toBe(calls);
    await app.press('enter');
    f = await app.waitFor((x) => !x.includes('filter names:'));
    expect(f).toContain('[/jp]');
    // Esc in the panes clears it; '/' then Esc puts back what was there.
    await app.press('/');
    await app.waitFor((x) => x.includes('filter names:'));
    await app.type('x');
    await app.waitFor((x) => x.includes('[/jpx]'));
    await app.press('escape');
    await app.waitFor((x) => x.includes('[/jp]') && !x.includes('filter names:'));
    await app.press('escape');
    await app.waitFor((x) => !x.includes('[/jp]') && rowOf(remote(x), 'like.txt') !== undefined);
  });
});

describe('find in the tree below (F) and flat results', () => {
  it('lists matching names from the whole tree, with their paths; Enter goes to the file in its folder', async () => {
    app = renderApp();
    await app.waitFor(ready);
    await app.press('F');
    await app.waitFor((x) => x.includes('find names in the tree below:'));
    await app.type('rec');
    await app.press('enter');
    let f = await app.waitFor((x) => x.includes('[find "rec"]') && rowOf(remote(x), 'Pasta/recipe.txt') !== undefined);
    expect(rowOf(remote(f), '163.jpg')).toBeUndefined();
    // Hidden folders (.git and the like) are not searched unless shown.
    expect(app.api.listCalls.at(-1)).toMatchObject({ name: 'rec', recursive: true, path: '', hidden: false });
    await app.press('enter');
    f = await app.waitFor((x) => !x.includes('[find') && /┃▌recipe\.txt/.test(remote(x)));
    expect(f).toContain('127.0.0.1:2003/Pasta');
  });

  it('an extension filter searches the tree below the folder and shows paths from it, without ..', async () => {
    const api = new FakeFerry([
      ...SAMPLE,
      { path: 'docs/a.txt', content: 'a' },
      { path: 'docs/deep/b.TXT', content: 'b' },
      { path: 'docs/c.md', content: 'c' },
    ]);
    app = renderApp({ api });
    await app.waitFor((x) => x.includes('docs/'));
    for (let i = 0; i < 5 && !/┃▌docs\//.test(remote(app.frame())); i++) await app.press('j');
    await app.press('enter');
    await app.waitFor((x) => x.includes('127.0.0.1:2003/docs') && rowOf(remote(x), 'c.md') !== undefined);
    await app.press('e');
    await app.waitFor((x) => x.includes('extension:'));
    await app.type('txt');
    await app.press('enter');
    const f = await app.waitFor((x) => rowOf(remote(x), 'deep/b.TXT') !== undefined && rowOf(remote(x), 'a.txt') !== undefined);
    expect(rowOf(remote(f), 'c.md')).toBeUndefined();
    expect(rowOf(remote(f), '..')).toBeUndefined();
    expect(rowOf(remote(f), 'like.txt')).toBeUndefined();
    expect(app.api.listCalls.at(-1)).toMatchObject({ path: 'docs', ext: '.txt', recursive: true });
  });

  it('keeps a long filter visible in the title at 80 columns, shortened inside its chip', async () => {
    app = renderApp({ columns: 80, rows: 24 });
    await app.waitFor((x) => x.includes('notes.md'));
    await app.press('K');
    await app.waitFor((x) => x.includes('search text files below for:'));
    await app.type('a keyword far too long for any pane title at all');
    await app.press('enter');
    const f = await app.waitFor((x) => x.includes('[grep "a keyw'));
    const title = f.split('\n')[1]!;
    expect([...title].length).toBe(80);
    const right = [...title].slice(40).join('');
    expect(right).toMatch(/remote/);
    expect(right).toMatch(/\[grep "a keyw[^"]*…"\]/);
  });
});

describe('listings stream', () => {
  it('shows the first rows while the rest are coming, and aborts a listing the user moved on from', async () => {
    const api = new FakeFerry(SAMPLE);
    api.streamBatch = 1;
    let release!: () => void;
    api.afterFirstBatch = new Promise<void>((r) => (release = r));
    app = renderApp({ api });
    // Folders first: the first batch (one row) is shown, the listing still loading.
    let f = await app.waitFor((x) => rowOf(remote(x), 'Pasta') !== undefined);
    expect(remote(f)).toContain('loading…');
    expect(rowOf(remote(f), 'notes.md')).toBeUndefined();
    // Into Pasta before the root listing ends: the root's listing is aborted.
    await app.press('enter');
    await app.waitFor((x) => x.includes('127.0.0.1:2003/Pasta') && rowOf(remote(x), 'recipe.txt') !== undefined);
    release();
    await app.waitFor(() => api.abortedStreams === 1);
    f = await app.waitFor((x) => !remote(x).includes('loading…'));
    expect(rowOf(remote(f), 'notes.md')).toBeUndefined();
    expect(rowOf(remote(f), 'recipe.txt')).toBeDefined();
  });
});
