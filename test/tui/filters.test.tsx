import { afterEach, describe, expect, it } from 'vitest';
import { formatTime } from '../../src/format.js';
import { remoteText, rowOf } from './frames.js';
import { renderApp, renderAppAnySize, type AppHarness } from './harness.js';

let app: AppHarness | undefined;
afterEach(() => app?.unmount());

const W = 120;
const ready = (f: string) => f.includes('notes.md') && f.includes('drafts/');

describe('filters', () => {
  it('shortlist form: start and end in local time, applied server side, shown as a chip', async () => {
    app = renderApp();
    await app.waitFor(ready);
    await app.press('s');
    await app.waitFor((f) => f.includes('shortlist: modified between'));
    await app.type('2026-11-01');
    await app.press('tab');
    await app.type('2026-12-01T00:00:00');
    await app.press('enter');
    const f = await app.waitFor((x) => x.includes('[2026-11-01 → 2026-12-01]'));
    await app.waitFor((x) => !rowOf(remoteText(x, W), '163.jpg') && rowOf(remoteText(x, W), 'notes.md') !== undefined);
    expect(f).not.toContain('shortlist: modified between');
    expect(app.api.listCalls.at(-1)).toMatchObject({ after: new Date(2026, 10, 1).getTime(), before: new Date(2026, 11, 1).getTime() });
    // Longlist clears the time filter.
    await app.press('l');
    await app.waitFor((x) => !x.includes('[2026-11-01') && rowOf(remoteText(x, W), '163.jpg') !== undefined);
  });

  it('shortlist form reports an unreadable time in place and keeps the form open', async () => {
    app = renderAppAnySize();
    await app.waitFor(ready);
    await app.press('s');
    await app.type('2020-02-31');
    await app.press('enter');
    let f = await app.waitFor((x) => x.includes('cannot read the start time'));
    expect(f).toContain('shortlist: modified between');
    await app.press('C-u');
    await app.type('2020-03-10 10:00:00');
    await app.press('down');
    await app.type('2020-03-01');
    await app.press('enter');
    f = await app.waitFor((x) => x.includes('the start must be before the end'));
    await app.press('escape');
    f = await app.waitFor((x) => !x.includes('shortlist: modified between'));
    expect(f).not.toContain('[2020');
  });

  it('shortlist form prefills the current range', async () => {
    app = renderAppAnySize();
    await app.waitFor(ready);
    await app.press('s');
    await app.type('2020-01-12 10:00:00');
    await app.press('enter');
    await app.waitFor((x) => x.includes('[2020-01-12 10:00 → …]'));
    await app.press('s');
    await app.waitFor((x) => x.includes(formatTime(new Date(2020, 0, 12, 10).getTime())));
  });

  it('extension filter: e, typed extension, chip, Esc clears', async () => {
    app = renderApp();
    await app.waitFor(ready);
    await app.press('e');
    await app.waitFor((x) => x.includes('extension:'));
    // Typing 'q' into the prompt must not quit.
    await app.type('JPG');
    await app.press('enter');
    const f = await app.waitFor((x) => x.includes('[ext .jpg]') && !rowOf(remoteText(x, W), 'like.txt'));
    expect(rowOf(remoteText(f, W), '160.jpg')).toBeDefined();
    expect(app.api.listCalls.at(-1)).toMatchObject({ ext: '.jpg' });
    await app.press('escape');
    await app.waitFor((x) => !x.includes('[ext') && rowOf(remoteText(x, W), 'like.txt') !== undefined);
  });

  it('keyword search (K): results from the whole share replace the listing until cleared', async () => {
    app = renderApp();
    await app.waitFor(ready);
    await app.press('K');
    await app.waitFor((x) => x.includes('search text files below for:'));
    await app.type('boil');
    await app.press('enter');
    const f = await app.waitFor((x) => x.includes('[grep "boil"]') && x.includes('Pasta/recipe.txt'));
    expect(rowOf(remoteText(f, W), '163.jpg')).toBeUndefined();
    expect(app.api.listCalls.at(-1)).toMatchObject({ keyword: 'boil', recursive: true });
    await app.press('escape');
    await app.waitFor((x) => !x.includes('grep') && rowOf(remoteText(x, W), '163.jpg') !== undefined);
  });

  it('a prompt swallows keys: typing q does not quit, Esc cancels without filtering', async () => {
    app = renderAppAnySize();
    await app.waitFor(ready);
    await app.press('K');
    await app.waitFor((x) => x.includes('search text files below for:'));
    await app.type('q');
    await app.press('escape');
    await app.waitFor((x) => !x.includes('search text files below for'));
    expect(app.exited()).toBe(false);
    expect(app.frame()).not.toContain('grep');
  });
});

describe('the footer under a form or question', () => {
  it('leaves out the pane keys, which do nothing while the form is open', async () => {
    app = renderApp();
    await app.waitFor(ready);
    await app.press('s');
    const f = await app.waitFor((x) => x.includes('shortlist: modified between'));
    expect(f).toContain('Enter apply · Tab next field · Esc cancel');
    expect(f).not.toContain('Tab pane');
    expect(f).not.toContain('d download');
    await app.press('escape');
    await app.waitFor((x) => x.includes('Tab pane'));
  });
});
