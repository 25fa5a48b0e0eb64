import { basename, dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cursorRow, localText, remoteText, rowOf } from './frames.js';
import { renderApp, SAMPLE, type AppHarness } from './harness.js';

let app: AppHarness | undefined;
afterEach(() => app?.unmount());

const W = 120;
const ready = (f: string) => f.includes('notes.md') && f.includes('drafts/');
const FILES = [...SAMPLE, { path: 'Pics/cat.jpg', size: 10 }, { path: 'Pasta/sub/deep.txt', content: 'x' }];
/** The prompt row of a pane's text. */
const promptOf = (text: string) => text.split('\n').find((l) => l.includes('go to:'));
/** C-g, and wait for the prompt: keys typed before it is drawn would go to the panes. */
async function openGoTo(a: AppHarness): Promise<void> {
  await a.press('C-g');
  await a.waitFor((f) => f.includes('go to:'));
}

describe('go to a path (C-g)', () => {
  it('completes a remote folder with Tab and goes there with Enter', async () => {
    app = renderApp({ files: FILES });
    await app.waitFor(ready);
    await openGoTo(app);
    await app.type('Pa');
    await app.press('tab');
    await app.waitFor((f) => promptOf(remoteText(f, W))?.includes('Pasta/') === true);
    await app.type('s');
    await app.press('tab');
    await app.waitFor((f) => promptOf(remoteText(f, W))?.includes('Pasta/sub/') === true);
    await app.press('enter');
    const f = await app.waitFor((x) => x.includes('deep.txt'));
    expect(remoteText(f, W)).toMatch(/remote {2}127\.0\.0\.1:2003\/Pasta\/sub/);
    expect(promptOf(remoteText(f, W))).toBeUndefined();
  });

  it('shows the candidates when Tab cannot decide, and keeps what was typed', async () => {
    app = renderApp({ files: FILES });
    await app.waitFor(ready);
    await openGoTo(app);
    await app.type('P');
    await app.press('tab');
    const f = await app.waitFor((x) => x.includes('2 folders: Pasta/  Pics/'));
    expect(promptOf(remoteText(f, W))).toMatch(/go to: P\s/);
  });

  it('refuses a path that leads nowhere with a message, and stays where it was', async () => {
    app = renderApp({ files: FILES });
    await app.waitFor(ready);
    await openGoTo(app);
    await app.type('nope');
    await app.press('enter');
    let f = await app.waitFor((x) => x.includes('no such folder: /nope'));
    expect(remoteText(f, W)).toMatch(/remote {2}127\.0\.0\.1:2003 /);
    // The prompt stays open to fix the path; a file is not a folder either.
    await app.press('C-u');
    await app.type('/like.txt');
    await app.press('enter');
    f = await app.waitFor((x) => x.includes('no such folder: /like.txt'));
    await app.press('C-u');
    await app.type('../x');
    await app.press('enter');
    f = await app.waitFor((x) => x.includes('../x is outside the share'));
    await app.press('escape');
    f = await app.waitFor((x) => promptOf(remoteText(x, W)) === undefined);
    expect(rowOf(remoteText(f, W), 'Pasta')).toBeDefined();
  });

  it('takes every key while open: q types, Esc cancels', async () => {
    app = renderApp({ files: FILES });
    await app.waitFor(ready);
    await openGoTo(app);
    await app.type('q');
    await app.waitFor((f) => promptOf(remoteText(f, W))?.includes('go to: q') === true);
    expect(app.exited()).toBe(false);
    await app.press('escape');
    await app.waitFor((f) => promptOf(remoteText(f, W)) === undefined);
    expect(app.exited()).toBe(false);
  });

  it('completes and goes to local folders, absolute paths too', async () => {
    app = renderApp({ files: FILES, local: { 'like.txt': 'x', 'drafts/a.txt': 'a', 'drafts/deeper/b.txt': 'b' } });
    await app.waitFor(ready);
    await app.press('tab');
    await openGoTo(app);
    expect(promptOf(localText(app.frame(), W))).toBeDefined();
    await app.type('dr');
    await app.press('tab');
    await app.waitFor((f) => promptOf(localText(f, W))?.includes('drafts/') === true);
    await app.type('de');
    await app.press('tab');
    await app.waitFor((f) => promptOf(localText(f, W))?.includes('drafts/deeper/') === true);
    await app.press('enter');
    await app.waitFor((x) => rowOf(localText(x, W), 'b.txt') !== undefined);
    // An absolute path: the folder above the one the app started in.
    const root = app.localRoot;
    await openGoTo(app);
    await app.type(dirname(root));
    await app.press('enter');
    await app.waitFor((x) => rowOf(localText(x, W), basename(root)) !== undefined);
  });
});

describe(':cd PATH', () => {
  it('moves the focused pane as C-g does, and refuses a path that leads nowhere', async () => {
    app = renderApp({ files: FILES });
    await app.waitFor(ready);
    const line = async (text: string) => {
      await app!.press(':');
      await app!.waitFor((x) => x.includes('↑↓ history'));
      await app!.type(text);
      await app!.press('enter');
    };
    await line('cd Pasta/sub');
    await app.waitFor((x) => x.includes('deep.txt'));
    await line('cd /nope');
    await app.waitFor((x) => x.includes('no such folder: /nope') && x.includes('deep.txt'));
    await line('cd');
    await app.waitFor((x) => rowOf(remoteText(x, W), 'Pics') !== undefined);
    // Back goes through what :cd visited too.
    await app.press('[');
    await app.waitFor((x) => x.includes('deep.txt'));
  });

  it('completes folder names of the focused pane with Tab', async () => {
    app = renderApp({ files: FILES });
    await app.waitFor(ready);
    await app.press(':');
    await app.waitFor((x) => x.includes('↑↓ history'));
    await app.type('cd Pa');
    await app.press('tab');
    await app.waitFor((x) => /\$ cd Pasta\/\s/.test(x));
    await app.type('s');
    await app.press('tab');
    await app.waitFor((x) => /\$ cd Pasta\/sub\/\s/.test(x));
    await app.press('enter');
    await app.waitFor((x) => x.includes('deep.txt'));
    // The local pane's folders when it has the focus.
    await app.press('tab', ':');
    await app.waitFor((x) => x.includes('↑↓ history'));
    await app.type('cd dr');
    await app.press('tab');
    await app.waitFor((x) => /\$ cd drafts\/\s/.test(x));
  });
});

describe('the local pane above its starting folder', () => {
  it('starts on its first entry and goes up past where it started', async () => {
    app = renderApp();
    let f = await app.waitFor(ready);
    // '..' is there, but the cursor starts on the folder's own first row.
    expect(rowOf(localText(f, W), '..')).toBeDefined();
    expect(cursorRow(localText(f, W))).toContain('drafts/');
    await app.press('tab', 'backspace');
    f = await app.waitFor((x) => rowOf(localText(x, W), basename(app!.localRoot)) !== undefined);
    // Landed on the folder it came from.
    expect(cursorRow(localText(f, W))).toContain(basename(app.localRoot));
    await app.press('enter');
    await app.waitFor((x) => rowOf(localText(x, W), 'like.txt') !== undefined);
  });
});

describe('back and forward ([ and ])', () => {
  it('goes back and forward through the folders visited, per pane', async () => {
    app = renderApp({ files: FILES });
    await app.waitFor(ready);
    await app.press('enter'); // Pasta
    await app.waitFor((x) => x.includes('recipe.txt'));
    await app.press('j', 'enter'); // Pasta/sub (row 0 is '..')
    await app.waitFor((x) => x.includes('deep.txt'));
    await app.press('[');
    // Back up a level lands on the folder it came from.
    await app.waitFor((x) => x.includes('recipe.txt') && !x.includes('deep.txt') && cursorRow(remoteText(x, W))?.includes('sub/') === true);
    await app.press('[');
    await app.waitFor((x) => rowOf(remoteText(x, W), 'Pics') !== undefined && cursorRow(remoteText(x, W))?.includes('Pasta/') === true);
    await app.press('[');
    await app.waitFor((x) => x.includes('nothing to go back to'));
    await app.press(']', ']');
    await app.waitFor((x) => x.includes('deep.txt'));
    // The local pane has a history of its own: nothing yet.
    await app.press('tab', '[');
    await app.waitFor((x) => x.includes('nothing to go back to') && rowOf(localText(x, W), 'drafts') !== undefined);
  });

  it('drops the forward list on going somewhere new', async () => {
    app = renderApp({ files: FILES });
    await app.waitFor(ready);
    await app.press('enter'); // Pasta
    await app.waitFor((x) => x.includes('recipe.txt'));
    await app.press('[');
    await app.waitFor((x) => rowOf(remoteText(x, W), 'Pics') !== undefined && !x.includes('recipe.txt'));
    await openGoTo(app);
    await app.type('Pics');
    await app.press('enter');
    await app.waitFor((x) => x.includes('cat.jpg'));
    await app.press(']');
    await app.waitFor((x) => x.includes('nothing to go forward to'));
    await app.press('escape', '[');
    await app.waitFor((x) => rowOf(remoteText(x, W), 'Pasta') !== undefined && !x.includes('cat.jpg'));
  });
});
