// While a question or a preview owns the keyboard, the footer lists its keys,
// not the panes' (which would do nothing then); closed, the panes' come back.

import { afterEach, describe, expect, it } from 'vitest';
import { renderApp, SAMPLE, type SizedAppHarness } from './harness.js';

let app: SizedAppHarness | undefined;
afterEach(() => app?.unmount());

/** The bottom row, as text (a frame may end in a colour reset). */
const footer = (f: string) =>
  f
    .replace(/\x1b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .at(-1) ?? '';
const paneKeys = (line: string) => line.includes('u upload') || line.includes('s shortlist') || line.includes('Space mark');

async function start(o: Parameters<typeof renderApp>[0] = {}): Promise<SizedAppHarness> {
  app = renderApp({ files: SAMPLE.map((f) => ({ ...f })), ...o });
  await app.waitFor((f) => f.includes('notes.md') && f.includes('like.txt'));
  expect(paneKeys(footer(app.frame()))).toBe(true);
  return app;
}

describe('the footer under a question', () => {
  it('make folder: Enter, Esc; the pane keys again once closed', async () => {
    const a = await start();
    await a.press('F7');
    const f = await a.waitFor((x) => x.includes('make folder in server /'));
    expect(footer(f)).toContain('Enter make');
    expect(footer(f)).toContain('Esc cancel');
    expect(paneKeys(footer(f))).toBe(false);
    await a.press('escape');
    await a.waitFor((x) => paneKeys(footer(x)));
  });

  it('copy: Enter, Tab to the other side, Esc', async () => {
    const a = await start();
    await a.press('j', 'F5');
    const f = await a.waitFor((x) => x.includes('to local: /'));
    expect(footer(f)).toMatch(/Enter copy +Tab this side +Esc cancel/);
    expect(paneKeys(footer(f))).toBe(false);
  });

  it('delete: y and n', async () => {
    const a = await start();
    await a.press('F8');
    const f = await a.waitFor((x) => x.includes('Delete the folder Pasta'));
    expect(footer(f)).toMatch(/y\/Enter delete +n\/Esc keep/);
    expect(paneKeys(footer(f))).toBe(false);
  });

  it('the sync preview: its own keys', async () => {
    const a = await start({ rows: 40 });
    await a.press('Y');
    const f = await a.waitFor((x) => x.includes('sync: download'), 5000);
    expect(footer(f)).toMatch(/Space check +a all\/none +Tab upload instead +d deletes +Enter sync +Esc close/);
    expect(paneKeys(footer(f))).toBe(false);
    await a.press('escape');
    await a.waitFor((x) => paneKeys(footer(x)));
  });

  it('a conflict: its answers', async () => {
    const a = await start({ local: { 'like.txt': 'ours differs' } });
    await a.press('j', 'j', 'j', 'd'); // like.txt
    const t = await a.api.downloads.next();
    t.fail(Object.assign(new Error('like.txt already exists and differs'), { code: 'EXISTS', reason: 'DIFFERS' }));
    const f = await a.waitFor((x) => x.includes('like.txt exists here and differs'));
    expect(footer(f)).toMatch(/o overwrite +s skip +b keep both +n newer/);
    expect(paneKeys(footer(f))).toBe(false);
  });
});
