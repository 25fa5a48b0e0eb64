// The app's transfer queue at scale, through the keys: marked files are queued at
// once and run a few at a time (counted at the fake client: what it holds open),
// the stats row follows the batch, p holds the queue and X cancels all of it.

import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TRANSFERS } from '../../src/client/download.js';
import { displayWidth } from '../../src/tui/text.js';
import type { FakeFile } from '../helpers/fake-client.js';
import { stripAnsi } from '../helpers/render.js';
import { renderApp, type SizedAppHarness } from './harness.js';

let app: SizedAppHarness | undefined;
afterEach(() => app?.unmount());

const many = (n: number, size = 10): FakeFile[] => Array.from({ length: n }, (_, i) => ({ path: `f${String(i).padStart(5, '0')}.txt`, size }));
const statsLine = (f: string) => f.split('\n').find((l) => /^[│┃] .*\d+\/\d+ files/.test(l));
const transferRowsShown = (f: string) => f.split('\n').filter((l) => /^[│┃] (TCP|UDP|UP ) /.test(l)).length;

/** Mark every file of the remote pane and press `key` (d or D). */
async function markAllAnd(h: SizedAppHarness, n: number, key: string): Promise<void> {
  // The whole listing (rows stream in; '*' marks what is shown).
  await h.waitFor((x) => x.includes('f00000.txt') && x.includes(`1/${n} `));
  await h.press('*');
  await h.waitFor((x) => x.includes(`${n} marked`));
  await h.press(key);
}

describe('the transfer queue', () => {
  it(`downloads 2,000 marked files with d, never more than ${DEFAULT_TRANSFERS} open at once, and the stats row reaches 2000/2000`, async () => {
    const N = 2000;
    app = renderApp({ files: many(N) });
    await markAllAnd(app, N, 'd');
    // All 2,000 are in the batch at once; only a few are open.
    // Drawn at most every 100 ms: the frame after the first transfers started.
    let f = await app.waitFor((x) => statsLine(x)?.includes(`0/${N} files`) === true && statsLine(x)?.includes('running') === true);
    expect(statsLine(f)).toMatch(new RegExp(`0 B/19\\.5 KiB .*${DEFAULT_TRANSFERS} running, ${N - DEFAULT_TRANSFERS} queued`));
    expect(f).not.toContain('marked');
    const seen = new Set<string>();
    for (let i = 0; i < N; i++) {
      const t = await app.api.downloads.next();
      expect(app.api.openTransfers).toBeLessThanOrEqual(DEFAULT_TRANSFERS);
      expect(t.options).toMatchObject({ transport: 'tcp', dest: app.localRoot });
      seen.add(t.path);
      t.finish();
    }
    expect(seen.size).toBe(N);
    expect(app.api.mostOpen).toBe(DEFAULT_TRANSFERS);
    expect(app.api.startedTransfers).toBe(N);
    f = await app.waitFor((x) => statsLine(x)?.includes(`${N}/${N} files`) === true);
    expect(statsLine(f)).toMatch(/19\.5 KiB\/19\.5 KiB .* ✓ done/);
    expect(f).not.toContain('running');
    // The area shows its usual few rows; the count in the title is of rows kept (the last 200), not of files.
    expect(transferRowsShown(f)).toBeGreaterThan(0);
    expect(f).toMatch(/\+\d+ more/);
    const more = Number(/\+(\d+) more/.exec(f)![1]);
    expect(more + transferRowsShown(f)).toBe(200);
  }, 60_000);

  it('p pauses the queue: running transfers finish, no new one starts until p again', async () => {
    app = renderApp({ files: many(20) });
    await markAllAnd(app, 20, 'd');
    const first = await Promise.all(Array.from({ length: DEFAULT_TRANSFERS }, () => app!.api.downloads.next()));
    expect(app.api.openTransfers).toBe(DEFAULT_TRANSFERS);
    await app.press('p');
    await app.waitFor((x) => statsLine(x)?.includes('⏸ paused') === true);
    for (const t of first) t.finish();
    // Each finish settles at once and would start the next right there: once the
    // batch counts them, whatever was going to start has started.
    await app.waitFor((x) => statsLine(x)?.includes(`${DEFAULT_TRANSFERS}/20 files`) === true);
    expect(app.api.openTransfers).toBe(0);
    expect(app.api.startedTransfers).toBe(DEFAULT_TRANSFERS);
    await app.press('p');
    const next = await Promise.all(Array.from({ length: DEFAULT_TRANSFERS }, () => app!.api.downloads.next()));
    expect(app.api.openTransfers).toBe(DEFAULT_TRANSFERS);
    await app.waitFor((x) => statsLine(x)?.includes('⏸') === false);
    for (const t of next) t.finish();
    await app.waitFor((x) => statsLine(x)?.includes(`${2 * DEFAULT_TRANSFERS}/20 files`) === true);
  });

  it('X asks, then cancels everything: the running ones abort, the queued ones never start', async () => {
    app = renderApp({ files: many(50) });
    await markAllAnd(app, 50, 'D');
    const running = await Promise.all(Array.from({ length: DEFAULT_TRANSFERS }, () => app!.api.downloads.next()));
    expect(running[0]!.options).toMatchObject({ transport: 'udp' });
    await app.press('X');
    await app.waitFor((x) => x.includes(`Cancel ${DEFAULT_TRANSFERS} running and ${50 - DEFAULT_TRANSFERS} queued transfers?`));
    await app.press('y');
    const f = await app.waitFor((x) => statsLine(x)?.includes('50 cancelled') === true);
    expect(statsLine(f)).toMatch(/^│ 0\/50 files  0 B\/500 B  50 cancelled +│$/);
    expect(running.every((t) => t.options.signal?.aborted)).toBe(true);
    expect(app.api.openTransfers).toBe(0);
    expect(app.api.startedTransfers).toBe(DEFAULT_TRANSFERS);
    expect(f).not.toContain('running');
    // A cancel is not a failure: no error message, no rows kept at the top as failures.
    expect(f).not.toContain('Esc dismiss');
    // The queue takes new work afterwards, as a new batch.
    await app.press('g', 'd');
    const again = await app.api.downloads.next();
    expect(again.path).toBe('f00000.txt');
    await app.waitFor((x) => statsLine(x)?.includes('0/1 files') === true);
  });

  it('n keeps the queue going when X asks', async () => {
    app = renderApp({ files: many(10) });
    await markAllAnd(app, 10, 'd');
    await app.api.downloads.next();
    await app.press('X');
    await app.waitFor((x) => x.includes('cancel all?'));
    await app.press('n');
    await app.waitFor((x) => !x.includes('cancel all?'));
    expect(app.api.openTransfers).toBe(DEFAULT_TRANSFERS);
  });

  it('says when there is nothing to cancel', async () => {
    app = renderApp({ files: many(3) });
    await app.waitFor((x) => x.includes('f00000.txt'));
    await app.press('X');
    await app.waitFor((x) => x.includes('nothing to cancel'));
  });

  it('asks before quitting with work queued, counting both', async () => {
    app = renderApp({ files: many(30) });
    await markAllAnd(app, 30, 'd');
    await app.api.downloads.next();
    await app.press('q');
    await app.waitFor((x) => x.includes(`${DEFAULT_TRANSFERS} transfers are running and ${30 - DEFAULT_TRANSFERS} queued. Quit and cancel them?`));
    await app.press('y');
    expect(app.exited()).toBe(true);
  });

  it('at 80x24 the stats row fits, the pause and the failures first among what it says', async () => {
    app = renderApp({ files: many(300, 4096), columns: 80, rows: 24 });
    await markAllAnd(app, 300, 'd');
    const first = await app.api.downloads.next();
    await app.press('p');
    first.fail(Object.assign(new Error('the server refused it'), { code: 'FORBIDDEN' }));
    const f = await app.waitFor((x) => statsLine(x)?.includes('1 failed') === true);
    for (const l of stripAnsi(f).split('\n')) expect(displayWidth(l), l).toBeLessThanOrEqual(80);
    expect(f.split('\n').length).toBeLessThanOrEqual(23);
    expect(statsLine(f)).toMatch(/^│ ⏸ paused {2}0\/300 files {2}0 B\/1\.2 MiB {2}ETA — {2}1 failed/);
    // The failure is the first row under the stats: it waits for the user.
    const rows = f.split('\n');
    expect(rows[rows.indexOf(statsLine(f)!) + 1]).toMatch(/^│ TCP f00000\.txt +✗ the server refused it/);
  });

  it('p and X work while selecting a transfer (t)', async () => {
    app = renderApp({ files: many(10) });
    await markAllAnd(app, 10, 'd');
    await app.api.downloads.next();
    await app.press('t');
    await app.waitFor((x) => x.includes('x cancel/remove · Esc done') && / p pause /.test(x) && / X cancel all /.test(x));
    await app.press('p');
    await app.waitFor((x) => statsLine(x)?.includes('⏸ paused') === true);
    await app.press('X');
    await app.waitFor((x) => x.includes('cancel all?'));
    await app.press('y');
    await app.waitFor((x) => statsLine(x)?.includes('10 cancelled') === true);
    expect(app.api.openTransfers).toBe(0);
  });
});
