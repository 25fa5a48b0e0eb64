// The remote pane follows its folder on the server: a change there shows
// within a second without `r`, the cursor stays on the same name, and the
// watch moves with the pane from folder to folder.

import { afterEach, describe, expect, it } from 'vitest';
import { cursorRow, remoteText } from './frames.js';
import { renderAppAnySize, type AppHarness } from './harness.js';

let app: AppHarness | undefined;
afterEach(() => app?.unmount());

// ink-testing-library's stdout is 100 columns wide.
const W = 100;
const ready = (f: string) => f.includes('notes.md') && f.includes('drafts/');
const onCursor = (name: string) => (f: string) => cursorRow(remoteText(f, W))?.includes(name) === true;

describe('a remote pane that follows the server', () => {
  it('shows a change within a second, without r, keeping the cursor on the same name', async () => {
    app = renderAppAnySize();
    await app.waitFor(ready);
    await app.press('G');
    await app.waitFor(onCursor('notes.md'));
    expect([...app.api.watching.keys()]).toEqual(['']);
    const listed = app.api.listCalls.length;
    // A file that sorts above the cursor: its row moves down one, the cursor with it.
    app.api.files = [...app.api.files, { path: 'aaa.txt', content: 'new' }]; // (a copy: the sample is shared)
    app.api.emitWatch('', [{ path: 'aaa.txt', kind: 'added' }]);
    const f = await app.waitFor((x) => remoteText(x, W).includes('aaa.txt'), 1000);
    expect(cursorRow(remoteText(f, W))).toContain('notes.md');
    expect(app.api.listCalls.length).toBe(listed + 1);
    // A removal shows too; a rescan (changes missed) is just another refresh.
    app.api.files = app.api.files.filter((x) => x.path !== '160.jpg');
    app.api.emitWatch('', [{ path: '', kind: 'rescan', reason: 'behind' }]);
    await app.waitFor((x) => !remoteText(x, W).includes('160.jpg') && onCursor('notes.md')(x), 1000);
  });

  it('a burst of changes is listed again a few times, not once per change', async () => {
    app = renderAppAnySize();
    await app.waitFor(ready);
    const listed = app.api.listCalls.length;
    for (let i = 0; i < 50; i++) {
      app.api.files = [...app.api.files, { path: `burst-${i}.txt`, content: String(i) }];
      app.api.emitWatch('', [{ path: `burst-${i}.txt`, kind: 'added' }]);
    }
    await app.waitFor((x) => remoteText(x, W).includes('55 items'), 1000);
    // One refresh at once, at most one more for the changes that came during it.
    expect(app.api.listCalls.length - listed).toBeGreaterThanOrEqual(1);
    expect(app.api.listCalls.length - listed).toBeLessThanOrEqual(2);
  });

  it('moves its watch with the folder it shows, and drops it when unmounted', async () => {
    app = renderAppAnySize();
    await app.waitFor(ready);
    await app.press('enter');
    await app.waitFor((x) => x.includes('recipe.txt'));
    await app.waitFor(() => app!.api.watching.has('Pasta') && !app!.api.watching.has(''));
    app.api.files = [...app.api.files, { path: 'Pasta/sauce.txt', content: 'tomato' }];
    app.api.emitWatch('Pasta', [{ path: 'Pasta/sauce.txt', kind: 'added' }]);
    await app.waitFor((x) => x.includes('sauce.txt'), 1000);
    app.unmount();
    app = undefined;
  });
});
