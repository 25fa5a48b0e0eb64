import { afterEach, describe, expect, it } from 'vitest';
import { BINDINGS } from '../../src/tui/keys/bindings.js';
import { displayKey } from '../../src/tui/keys/key-name.js';
import { cacheEntry, FakeCache } from '../helpers/fake-client.js';
import { renderApp, type AppHarness } from './harness.js';

let app: AppHarness | undefined;
afterEach(() => app?.unmount());

const ready = (f: string) => f.includes('notes.md') && f.includes('drafts/');

describe('help overlay', () => {
  it('lists every binding of the key table, with its keys', async () => {
    app = renderApp({ columns: 120, rows: 80 });
    await app.waitFor(ready);
    await app.press('?');
    const f = await app.waitFor((x) => x.includes('help · Esc close'));
    for (const b of BINDINGS) {
      const keys = b.keys.map(displayKey).join(' ');
      const line = f.split('\n').find((l) => l.includes(b.help));
      expect(line, b.help).toBeDefined();
      expect(line).toContain(keys);
    }
    for (const group of ['Navigate', 'Filter', 'Transfer', 'Verify', 'Views', 'Log viewer', 'Cache pane']) expect(f).toContain(` ${group}`);
    await app.press('escape');
    await app.waitFor((x) => !x.includes('help · Esc close'));
  });

  it('fits on one screen at 120x50, in two columns', async () => {
    app = renderApp({ columns: 120, rows: 50 });
    await app.waitFor(ready);
    await app.press('?');
    const f = await app.waitFor((x) => x.includes('help · Esc close'));
    expect(f).not.toContain('j/k scroll');
    for (const b of BINDINGS) expect(f, b.help).toContain(b.help);
    // Two columns: the first line holds 'Navigate' and, halfway across, another group.
    const first = f.split('\n').find((l) => l.includes(' Navigate'))!;
    expect(first.slice(60)).toMatch(/ (Select & view|Filter|Transfer|Verify|Views)\b/);
  });

  it('scrolls when the screen is too short to hold it', async () => {
    app = renderApp({ columns: 80, rows: 24 });
    await app.waitFor((x) => x.includes('notes.md'));
    await app.press('?');
    let f = await app.waitFor((x) => x.includes('j/k scroll'));
    expect(f).not.toContain('Clear the whole cache');
    await app.press('G');
    f = await app.waitFor((x) => x.includes('Clear the whole cache'));
    await app.press('?');
    await app.waitFor((x) => !x.includes('j/k scroll'));
  });
});

describe('cache pane', () => {
  it('shows entries, used/limit, and evicts one or clears all', async () => {
    const cache = new FakeCache([
      cacheEntry('Lec15.pdf', 1_153_433, 4, '2026-11-20T09:12:00.000Z'),
      cacheEntry('project1.pdf', 2_097_152, 1, '2026-11-21T10:00:00.000Z'),
    ]);
    app = renderApp({ cache });
    await app.waitFor(ready);
    await app.press('c');
    let f = await app.waitFor((x) => x.includes('Lec15.pdf') && x.includes('used'));
    expect(f).toContain('used 3.1 MiB / 1.0 GiB');
    expect(f).toContain('2 entries · 3 hits · 2 misses');
    // Most recent first, with size and hits.
    const lines = f.split('\n');
    expect(lines.findIndex((l) => l.includes('project1.pdf'))).toBeLessThan(lines.findIndex((l) => l.includes('Lec15.pdf')));
    expect(lines.find((l) => l.includes('Lec15.pdf'))).toMatch(/Lec15\.pdf\s+1\.1 MiB [0-9a-f]{8}\s+2026-11-2\d \d\d:\d\d:\d\d\s+4/);
    await app.press('x');
    f = await app.waitFor((x) => x.includes('evicted project1.pdf'));
    expect(cache.entries.map((e) => e.remotePath)).toEqual(['Lec15.pdf']);
    await app.waitFor((x) => !x.split('\n').some((l) => l.includes('project1.pdf') && l.includes('MiB')));
    await app.press('X');
    await app.waitFor((x) => x.includes('the cache is empty') && x.includes('cache cleared'));
    await app.press('escape');
    await app.waitFor((x) => x.includes('notes.md'));
  });

  it('keeps the status line cache total in step with evictions and clears', async () => {
    const cache = new FakeCache([
      cacheEntry('Lec15.pdf', 1_153_433, 1, '2026-11-20T09:12:00.000Z'),
      cacheEntry('project1.pdf', 2_097_152, 1, '2026-11-21T10:00:00.000Z'),
    ]);
    app = renderApp({ cache });
    await app.waitFor((x) => ready(x) && x.includes('cache 3.1 MiB / 1.0 GiB'));
    await app.press('c');
    await app.waitFor((x) => x.includes('Lec15.pdf') && x.includes('used'));
    await app.press('x');
    await app.waitFor((x) => x.includes('evicted') && x.split('\n')[0]!.includes('cache 1.1 MiB / 1.0 GiB'));
    await app.press('X');
    await app.waitFor((x) => x.includes('cache cleared') && x.split('\n')[0]!.includes('cache 0 B / 1.0 GiB'));
  });
});

describe('log viewer', () => {
  it('shows the server log, follows live records, filters, and switches to the client log', async () => {
    app = renderApp();
    app.api.logRecords = [{ time: '2026-11-25T09:00:01.000Z', client: '10.0.0.7:51000', command: 'list', args: { path: '' }, outcome: 'ok', bytes: 0, ms: 1 }];
    await app.waitFor(ready);
    await app.press('L');
    let f = await app.waitFor((x) => x.includes('10.0.0.7:51000') && x.includes('● following'));
    expect(f).toMatch(/09:00:01 {2}10\.0\.0\.7:51000 {2}list {2}ok {2}0 B {2}1 ms {2}path=/);
    await app.waitFor(() => app!.api.following === 1);
    app.api.emitLog({
      time: '2026-11-25T09:00:02.000Z',
      client: '10.0.0.8:4000',
      command: 'download',
      args: { path: 'secret.txt' },
      outcome: 'FORBIDDEN',
      bytes: 0,
      ms: 2,
    });
    f = await app.waitFor((x) => x.includes('secret.txt'));
    // The replayed history is not shown twice.
    expect(f.split('\n').filter((l) => l.includes('10.0.0.7:51000'))).toHaveLength(1);
    await app.press('f');
    await app.waitFor((x) => x.includes('○ paused'));
    await app.press('/');
    await app.type('forbid');
    f = await app.waitFor((x) => x.includes('1 line matching "forbid"') || (x.includes('filter: forbid') && !x.includes('10.0.0.7')));
    await app.press('enter');
    f = await app.waitFor((x) => x.includes('1 line matching "forbid"'));
    expect(f).not.toContain('10.0.0.7');
    await app.press('tab');
    f = await app.waitFor((x) => x.includes('logs · this client'));
    await app.press('escape');
    await app.waitFor((x) => x.includes('notes.md'));
    // Closing stops following.
    await app.waitFor(() => app!.api.following === 0);
  });

  it('records the client actions and outcomes', async () => {
    app = renderApp();
    await app.waitFor(ready);
    await app.press('j', 'd');
    (await app.api.downloads.next()).finish();
    await app.waitFor((x) => x.includes('md5 ✓'));
    await app.press('L', 'tab');
    const f = await app.waitFor((x) => x.includes('logs · this client') && x.includes('downloaded 160.jpg'));
    expect(f).toMatch(/info +download 160\.jpg over TCP/);
  });
});
