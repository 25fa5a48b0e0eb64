import { afterEach, describe, expect, it, vi } from 'vitest';

// Make chalk emit colour in this (non-TTY) test worker, so that the absence of
// colour under NO_COLOR is the app's doing, not the environment's.
vi.hoisted(() => {
  process.env.FORCE_COLOR = '3';
});

import { colorTheme, themeFromEnv } from '../../src/tui/theme.js';
import { renderAppAnySize, type AppHarness } from './harness.js';

let app: AppHarness | undefined;
afterEach(() => app?.unmount());

// SGR parameters that set or reset a colour: 30–39, 40–49, 90–97, 100–107 (38/48 extended).
function colourCodes(frame: string): string[] {
  const out: string[] = [];
  for (const m of frame.matchAll(/\u001B\[([0-9;]*)m/g)) {
    for (const p of (m[1] ?? '').split(';')) {
      const n = Number(p);
      if ((n >= 30 && n <= 49) || (n >= 90 && n <= 107)) out.push(p);
    }
  }
  return out;
}

describe('NO_COLOR', () => {
  it('reads NO_COLOR from the environment (any non-empty value)', () => {
    expect(themeFromEnv({ NO_COLOR: '1' }).color).toBe(false);
    expect(themeFromEnv({ NO_COLOR: '' }).color).toBe(true);
    expect(themeFromEnv({}).color).toBe(true);
  });

  it('draws colour normally', async () => {
    app = renderAppAnySize({ theme: colorTheme });
    const f = await app.waitFor((x) => x.includes('notes.md'));
    expect(colourCodes(f).length).toBeGreaterThan(0);
  });

  it('draws no colour at all under NO_COLOR, but keeps the cursor in inverse video', async () => {
    app = renderAppAnySize({ theme: themeFromEnv({ NO_COLOR: '1' }) });
    let f = await app.waitFor((x) => x.includes('notes.md') && x.includes('drafts'));
    await app.press('j', 'd');
    (await app.api.downloads.next()).fail(new Error('refused'));
    f = await app.waitFor((x) => x.includes('✗ refused'));
    expect(colourCodes(f)).toEqual([]);
    expect(f).toContain('\u001B[7m'); // inverse: the selected row
    expect(f).toContain('\u001B[1m'); // bold: the focused border
  });
});
