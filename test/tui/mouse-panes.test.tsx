import { afterEach, describe, expect, it } from 'vitest';
import { isDoubleClick, paneAt, indexAtRow } from '../../src/tui/state/pane-hit.js';
import { cursorRow, focusedSide, localText, remoteText, rowOf } from './frames.js';
import { renderApp, type AppHarness } from './harness.js';

let app: AppHarness | undefined;
afterEach(() => app?.unmount());

const W = 120;
const ready = (f: string) => f.includes('notes.md') && f.includes('drafts/');
const click = (x: number, y: number) => `\u001B[<0;${x};${y}M\u001B[<0;${x};${y}m`;
const wheel = (x: number, y: number, down: boolean) => `\u001B[<${down ? 65 : 64};${x};${y}M`;
const turn = () => new Promise<void>((r) => setImmediate(r));
// At 120x36: status line on row 1, the panes' top border on row 2, the column
// header on row 3, list rows from row 4; the local pane is columns 1-60.
const ROW0 = 4;

describe('the mouse over the panes', () => {
  it('a click selects the row under the pointer and activates its pane', async () => {
    app = renderApp();
    await app.waitFor(ready);
    // Remote view: Pasta/, 160.jpg, 163.jpg, like.txt, notes.md
    app.stdin.write(click(80, ROW0 + 2));
    let f = await app.waitFor((x) => cursorRow(remoteText(x, W))?.includes('163.jpg') === true);
    expect(focusedSide(f, W)).toBe('remote');
    // Local view: .., drafts/, like.txt
    app.stdin.write(click(10, ROW0 + 2));
    f = await app.waitFor((x) => focusedSide(x, W) === 'local' && cursorRow(localText(x, W))?.includes('like.txt') === true);
    // The remote pane kept its row.
    expect(cursorRow(remoteText(f, W))).toContain('163.jpg');
    // Below the last entry: the pane activates, the cursor stays.
    app.stdin.write(click(80, ROW0 + 12));
    f = await app.waitFor((x) => focusedSide(x, W) === 'remote');
    expect(cursorRow(remoteText(f, W))).toContain('163.jpg');
    // The status line and the footer are not panes.
    app.stdin.write(click(10, 1));
    await turn();
    expect(focusedSide(app.frame(), W)).toBe('remote');
  });

  it('a double-click opens a folder, as Enter does', async () => {
    app = renderApp();
    await app.waitFor(ready);
    app.stdin.write(click(80, ROW0));
    await turn();
    app.stdin.write(click(80, ROW0));
    await app.waitFor((x) => x.includes('recipe.txt'));
    // And on '..' it goes back up.
    app.stdin.write(click(80, ROW0));
    await turn();
    app.stdin.write(click(80, ROW0));
    await app.waitFor((x) => rowOf(remoteText(x, W), '160.jpg') !== undefined);
    // In the local pane, double-clicking drafts/ opens it there.
    app.stdin.write(click(10, ROW0 + 1));
    await turn();
    app.stdin.write(click(10, ROW0 + 1));
    await app.waitFor((x) => rowOf(localText(x, W), 'a.txt') !== undefined);
  });

  it('the wheel scrolls the pane under the pointer', async () => {
    app = renderApp();
    await app.waitFor(ready);
    app.stdin.write(wheel(80, ROW0 + 1, true));
    await app.waitFor((x) => cursorRow(remoteText(x, W))?.includes('like.txt') === true);
    app.stdin.write(wheel(80, ROW0 + 1, false));
    await app.waitFor((x) => cursorRow(remoteText(x, W))?.includes('Pasta') === true);
    app.stdin.write(wheel(10, ROW0, true));
    const f = await app.waitFor((x) => cursorRow(localText(x, W))?.includes('like.txt') === true);
    // Scrolling is not choosing: the focus stays where it was.
    expect(focusedSide(f, W)).toBe('remote');
  });

  it('never types a report into a text field, and keys still work around reports', async () => {
    app = renderApp();
    await app.waitFor(ready);
    await app.press('C-g');
    await app.waitFor((x) => x.includes('go to:'));
    app.stdin.write(click(80, ROW0 + 2));
    app.stdin.write(wheel(80, ROW0 + 2, true));
    await app.type('Pa');
    let f = await app.waitFor((x) => /go to: Pa\s/.test(x));
    expect(f).not.toMatch(/\[<|;\d+;\d+[Mm]/);
    await app.press('escape');
    await app.waitFor((x) => !x.includes('go to:'));
    await app.press(':');
    await app.waitFor((x) => x.includes('↑↓ history'));
    app.stdin.write(click(80, ROW0 + 2));
    await app.type('x');
    f = await app.waitFor((x) => /\$ x\s/.test(x));
    expect(f).not.toMatch(/\[<|\d+;\d+[Mm]/);
    await app.press('escape');
    // In the panes a report is not a key either: '[' (back) and digits do nothing.
    app.stdin.write(`\u001B[<0;80;${ROW0 + 1}M`);
    await app.press('j');
    await app.waitFor((x) => cursorRow(remoteText(x, W))?.includes('163.jpg') === true);
    expect(app.frame()).not.toContain('nothing to go back to');
  });
});

describe('the wheel in the full views', () => {
  it('scrolls the help as ↓ and ↑ do', async () => {
    app = renderApp({ columns: 80, rows: 24 });
    await app.waitFor(ready);
    await app.press('?');
    const first = await app.waitFor((x) => x.includes('help · Esc close'));
    const top = first.split('\n')[2];
    app.stdin.write(wheel(10, 10, true));
    const scrolled = await app.waitFor((x) => x.split('\n')[2] !== top);
    app.stdin.write(wheel(10, 10, false));
    await app.waitFor((x) => x.split('\n')[2] === top);
    expect(scrolled).toContain('help · Esc close');
  });
});

describe('hit testing', () => {
  const g = { columns: 120, leftWidth: 60, top: 2, paneHeight: 20, listRows: 16 };
  it('finds the pane and list row under the pointer', () => {
    expect(paneAt(g, 1, 4)).toEqual({ pane: 'local', row: 0 });
    expect(paneAt(g, 60, 19)).toEqual({ pane: 'local', row: 15 });
    expect(paneAt(g, 61, 3)).toEqual({ pane: 'remote', row: null }); // the column header
    expect(paneAt(g, 120, 20)).toEqual({ pane: 'remote', row: null }); // the summary row
    expect(paneAt(g, 61, 1)).toBeNull();
    expect(paneAt(g, 61, 22)).toBeNull();
    expect(paneAt(g, 121, 5)).toBeNull();
  });
  it('maps a row to the entry drawn there, scrolled as the pane draws it', () => {
    const view = Array.from({ length: 50 }, () => ({}) as never);
    expect(indexAtRow({ cursor: 0, offset: 0, view }, 16, 3)).toBe(3);
    expect(indexAtRow({ cursor: 40, offset: 0, view }, 16, 0)).toBe(25);
    expect(indexAtRow({ cursor: 0, offset: 0, view: view.slice(0, 2) }, 16, 2)).toBeNull();
  });
  it('counts two clicks on one row within the window as a double-click', () => {
    const a = { pane: 'remote' as const, index: 2, time: 1000 };
    expect(isDoubleClick(null, a)).toBe(false);
    expect(isDoubleClick(a, { ...a, time: 1400 })).toBe(true);
    expect(isDoubleClick(a, { ...a, time: 1401 })).toBe(false);
    expect(isDoubleClick(a, { ...a, index: 3, time: 1100 })).toBe(false);
    expect(isDoubleClick(a, { ...a, pane: 'local', time: 1100 })).toBe(false);
  });
});
