import { afterEach, describe, expect, it } from 'vitest';
import { remoteText, rowOf } from './frames.js';
import { renderApp, renderAppAnySize, type AppHarness } from './harness.js';

let app: AppHarness | undefined;
afterEach(() => app?.unmount());

const W = 120;
const ready = (f: string) => f.includes('notes.md') && f.includes('drafts/');

async function run(a: AppHarness, line: string): Promise<void> {
  await a.press(':');
  await a.waitFor((x) => x.includes('↑↓ history'));
  await a.type(line);
  await a.press('enter');
}

describe('command line', () => {
  it('IndexGet shortlist filters the remote pane (case-insensitive)', async () => {
    app = renderApp();
    await app.waitFor(ready);
    await run(app, 'indexget SHORTLIST 2026-11-01 00:00:00 2026-12-01 00:00:00 md');
    await app.waitFor(
      (x) =>
        x.includes('[ext .md]') &&
        x.includes('[2026-11-01 → 2026-12-01]') &&
        rowOf(remoteText(x, W), 'notes.md') !== undefined &&
        !rowOf(remoteText(x, W), 'like.txt'),
    );
    expect(app.api.listCalls.at(-1)).toMatchObject({ ext: '.md', after: new Date(2026, 10, 1).getTime(), before: new Date(2026, 11, 1).getTime() });
  });

  it('IndexGet longlist with a keyword searches', async () => {
    app = renderApp();
    await app.waitFor(ready);
    await run(app, 'IndexGet longlist * budget');
    await app.waitFor((x) => x.includes('[grep "budget"]') && x.includes('notes.md') && !rowOf(remoteText(x, W), '163.jpg'));
  });

  it('FileDownload UDP starts a UDP transfer into the local folder', async () => {
    app = renderAppAnySize();
    await app.waitFor(ready);
    await run(app, 'FileDownload UDP like.txt');
    const t = await app.api.downloads.next();
    expect(t.path).toBe('like.txt');
    expect(t.options).toMatchObject({ transport: 'udp', dest: app.localRoot });
    await app.waitFor((x) => /│ UDP +like\.txt/.test(x));
  });

  it('FileHash verify compares with the local copy and marks the pane', async () => {
    app = renderApp();
    await app.waitFor(ready);
    await run(app, 'FileHash verify like.txt');
    const f = await app.waitFor((x) => x.includes('same as the local copy'));
    expect(f).toContain(`like.txt ✓ same as the local copy · md5 ${app.api.md5Of('like.txt')} · 15 B · modified`);
    expect(rowOf(remoteText(f, W), 'like.txt')).toMatch(/txt +✓/);
  });

  it('Tab completes like ferry shell: command words, then remote names; several matches are listed', async () => {
    app = renderApp();
    await app.waitFor(ready);
    await app.press(':');
    await app.waitFor((x) => x.includes('Tab complete'));
    await app.type('fileh');
    await app.press('tab');
    // Two commands begin so: the line goes as far as they agree, both are offered.
    let f = await app.waitFor((x) => x.includes('$ FileHash ') && x.includes('FileHash verify   FileHash checkall'));
    await app.type('v');
    await app.press('tab');
    await app.waitFor((x) => x.includes('$ FileHash verify ') && !x.includes('FileHash checkall'));
    await app.type('16');
    await app.press('tab');
    f = await app.waitFor((x) => x.includes('160.jpg  163.jpg'));
    expect(f).toContain('$ FileHash verify 16');
    await app.type('3');
    await app.press('tab');
    await app.waitFor((x) => x.includes('$ FileHash verify 163.jpg') && !x.includes('160.jpg  163.jpg'));
    await app.press('enter');
    await app.waitFor((x) => x.includes('163.jpg') && x.includes(`md5 ${app!.api.md5Of('163.jpg')}`));
  });

  it('FileHash checkall opens the check-all view', async () => {
    app = renderAppAnySize();
    await app.waitFor(ready);
    await run(app, 'filehash checkall');
    await app.waitFor((x) => x.includes('check all  /'));
    (await app.api.hashAlls.next()).fail(new Error('server busy'));
    await app.waitFor((x) => x.includes('✗ server busy'));
  });

  it('shows a parse error in place and keeps history for ↑/↓', async () => {
    app = renderAppAnySize();
    await app.waitFor(ready);
    await run(app, 'FileDownload FTP x');
    await app.waitFor((x) => x.includes('✗') && x.includes('Esc dismiss'));
    await run(app, 'help');
    await app.waitFor((x) => x.includes('help · Esc close'));
    await app.press('escape');
    await app.press(':');
    await app.waitFor((x) => x.includes('↑↓ history'));
    await app.press('up');
    await app.waitFor((x) => x.includes('$ help'));
    await app.press('up');
    await app.waitFor((x) => x.includes('$ FileDownload FTP x'));
    await app.press('down', 'down');
    await app.waitFor((x) => /\$ +↑↓/.test(x) || (x.includes('$ ') && !x.includes('$ help') && !x.includes('$ FileDownload')));
    await app.press('escape');
    await app.waitFor((x) => !x.includes('↑↓ history'));
  });

  it('quit leaves', async () => {
    app = renderAppAnySize();
    await app.waitFor(ready);
    await run(app, 'quit');
    expect(app.exited()).toBe(true);
  });
});

describe('a pasted command line', () => {
  it('runs the whole line when it arrives with its Enter in one burst', async () => {
    app = renderAppAnySize();
    await app.waitFor(ready);
    await app.press(':');
    await app.waitFor((x) => x.includes('↑↓ history'));
    for (const ch of 'FileDownload TCP notes.md') app.stdin.write(ch);
    app.stdin.write('\r');
    const t = await app.api.downloads.next();
    expect(t.path).toBe('notes.md');
  });
});

describe('a pasted line and an Enter read separately', () => {
  // A terminal may hand over a paste as one chunk and the Enter typed right after
  // as the next: the Enter must wait for the pasted characters, not overtake them.
  it('runs the whole command line', async () => {
    app = renderAppAnySize();
    await app.waitFor(ready);
    await app.press(':');
    await app.waitFor((x) => x.includes('↑↓ history'));
    app.stdin.write('FileDownload TCP notes.md');
    app.stdin.write('\r');
    const t = await app.api.downloads.next();
    expect(t.path).toBe('notes.md');
  });

  it('applies the whole end time of the shortlist form', async () => {
    app = renderAppAnySize();
    await app.waitFor(ready);
    await app.press('s');
    await app.waitFor((x) => x.includes('shortlist: modified between'));
    app.stdin.write('2026-11-01');
    app.stdin.write('\t2026-12-01');
    app.stdin.write('\r');
    await app.waitFor((x) => x.includes('[2026-11-01 → 2026-12-02]') && !x.includes('shortlist: modified between'));
  });
});
