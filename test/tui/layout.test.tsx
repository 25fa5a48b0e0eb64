import { afterEach, describe, expect, it } from 'vitest';
import { displayWidth } from '../../src/tui/text.js';
import { cacheEntry, FakeCache } from '../helpers/fake-client.js';
import { stripAnsi } from '../helpers/render.js';
import { remoteText, rowOf } from './frames.js';
import { renderApp, type SizedAppHarness } from './harness.js';

let app: SizedAppHarness | undefined;
afterEach(() => app?.unmount());

function expectFits(frame: string, columns: number, rows: number): void {
  const lines = stripAnsi(frame).split('\n');
  expect(lines.length, 'rows').toBeLessThanOrEqual(rows);
  for (const l of lines) expect(displayWidth(l), l).toBeLessThanOrEqual(columns);
}

const LONG = 'a-very-long-file-name-that-would-never-fit-in-a-pane-at-eighty-columns.txt';

describe('80x24', () => {
  it('never wraps or overflows, in every state', async () => {
    const cache = new FakeCache([cacheEntry(`deep/${LONG}`, 123456789)]);
    app = renderApp({
      columns: 80,
      rows: 24,
      cache,
      files: [{ path: LONG, content: 'x' }, { path: 'b.txt', content: 'y' }, ...Array.from({ length: 50 }, (_, i) => ({ path: `f${i}.txt`, content: 'z' }))],
    });
    const check = async (pred: (f: string) => boolean) => expectFits(await app!.waitFor(pred), 80, 24);
    await check((f) => f.includes('b.txt'));
    // Type and time columns dropped at this width; the size stays.
    const f = app.frame();
    expect(f).not.toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d/);
    expect(rowOf(remoteText(f, 80), 'b.txt')).toMatch(/b\.txt +1 B/);
    expect(remoteText(f, 80)).toMatch(/a-very-long-file-name-\S*… +1 B/);
    await app.press('G', 'd');
    const t1 = await app.api.downloads.next();
    t1.progress(0);
    await app.press('k', 'D');
    (await app.api.downloads.next()).fail(new Error('a long error message that explains at length what went wrong with the transfer'));
    await check((x) => x.includes('✗ a long error'));
    await app.press('?');
    await check((x) => x.includes('help · Esc close'));
    await app.press('escape', 'c');
    await check((x) => x.includes('used'));
    await app.press('escape', 'L');
    await check((x) => x.includes('logs · server'));
    await app.press('escape', 's');
    await check((x) => x.includes('shortlist'));
    await app.press('escape', ':');
    await app.type(`FileHash verify ${LONG} ${LONG}`);
    await check((x) => x.includes('columns.txt') && x.includes('↑↓ history'));
    await app.press('escape', 'q');
    await check((x) => x.includes('still running'));
  });

  it('follows a resize: wider screens get the time and type columns back', async () => {
    app = renderApp({ columns: 80, rows: 24 });
    await app.waitFor((f) => f.includes('notes.md'));
    app.resize(120, 36);
    let f = await app.waitFor((x) => /notes\.md +13 B 2026-11-20 \d\d:\d\d md/.test(x));
    expectFits(f, 120, 36);
    expect(f.split('\n').length).toBe(35);
    app.resize(60, 20);
    f = await app.waitFor((x) => x.split('\n').length === 19);
    expectFits(f, 60, 20);
    app.resize(30, 8);
    f = await app.waitFor((x) => x.includes('ferry needs'));
    expectFits(f, 30, 8);
  });

  it('keeps one row free so a frame never fills the terminal', async () => {
    app = renderApp({ columns: 100, rows: 30 });
    const f = await app.waitFor((x) => x.includes('notes.md'));
    expect(f.split('\n')).toHaveLength(29);
  });
});

describe('names of every width', () => {
  // Emoji built of several code points, a flag, wide CJK, and combining marks at
  // the very start of a name (nothing before them to sit on).
  const NAMES = [
    '👨\u200d👩\u200d👧 family.txt',
    '🇫🇷 voyage.md',
    '漢字のメモ、とても長い名前のファイル.txt',
    '\u0301\u0301accent-first.txt',
    '⚠️ read me',
    'e\u0301\u0302\u0303 stacked.txt',
    '👍🏽 thumbs.txt',
  ];

  it('keeps every row of the frame exactly as wide as the screen, in the panes, transfers and check-all', async () => {
    for (const [columns, rows] of [
      [80, 24],
      [101, 30],
    ] as const) {
      app = renderApp({
        columns,
        rows,
        files: NAMES.map((path) => ({ path, content: 'x' })),
        local: Object.fromEntries(NAMES.map((n) => [n, 'y'])),
      });
      const whole = (f: string) => {
        expectFits(f, columns, rows);
        // Bordered rows are the ones a miscounted width would push out of line.
        for (const l of stripAnsi(f)
          .split('\n')
          .filter((x) => /^[│┃┏┌┗└]/.test(x)))
          expect(displayWidth(l), l).toBe(columns);
      };
      whole(await app.waitFor((f) => f.includes('thumbs') && f.includes('voyage')));
      await app.press('d');
      (await app.api.downloads.next()).progress(1);
      whole(await app.waitFor((f) => /TCP/.test(f)));
      await app.press('V');
      const run = await app.api.hashAlls.next();
      run.start(NAMES.length, NAMES.length);
      for (const path of NAMES) run.result({ path, md5: app.api.md5Of(path), size: 1, mtimeMs: 0, mtime: '' });
      run.finish();
      whole(await app.waitFor((f) => f.includes('done') && f.includes('thumbs')));
      app.unmount();
      app = undefined;
    }
  });
});

describe('100,000 entries', () => {
  it('renders only the visible window and scrolls to the end and back', async () => {
    const api = (await import('../helpers/fake-client.js')).FakeFerry;
    const fake = new api([]);
    const { makeEntry } = await import('../helpers/fake-client.js');
    fake.listings.set(
      '',
      Array.from({ length: 100_000 }, (_, i) => makeEntry(`file-${String(i).padStart(6, '0')}.dat`, 'file', i)),
    );
    app = renderApp({ api: fake, columns: 120, rows: 36 });
    // Rows show as batches come; the count is whole once the listing is.
    let f = await app.waitFor((x) => x.includes('file-000000.dat') && x.includes('1/100000'));
    const rowsShown = (fr: string) =>
      remoteText(fr, 120)
        .split('\n')
        .filter((l) => /file-\d{6}\.dat/.test(l)).length;
    const listRows = rowsShown(f);
    expect(listRows).toBeGreaterThan(10);
    expect(listRows).toBeLessThan(40);
    expect(f).toContain('1/100000');
    await app.press('G');
    f = await app.waitFor((x) => x.includes('file-099999.dat'));
    expect(rowsShown(f)).toBe(listRows);
    expect(f).toContain('100000/100000');
    for (let i = 0; i < 20; i++) await app.press('pageup');
    f = await app.waitFor((x) => x.includes(`${100000 - 20 * listRows}/100000`));
    expect(rowsShown(f)).toBe(listRows);
    await app.press('g');
    await app.waitFor((x) => x.includes('1/100000'));
  });
});

describe('pane titles', () => {
  it('keep the folder shown when filter chips leave little room, cutting the server label instead', async () => {
    app = renderApp({ columns: 80, rows: 24 });
    await app.waitFor((f) => f.includes('Pasta/'));
    await app.press('enter');
    await app.waitFor((f) => f.includes('recipe.txt'));
    await app.press('e');
    await app.type('txt');
    await app.press('enter');
    const f = await app.waitFor((x) => x.includes('[ext .txt]') && x.includes('recipe.txt'));
    const title = remoteText(f, 80).split('\n')[1]!;
    expect(title).toMatch(/┏ remote  …\S*\/Pasta ━+ \[ext \.txt\] ┓/);
    expectFits(f, 80, 24);
  });
});
