// Make folder, rename/move, copy and delete in the app, on both panes: each
// allowed and refused, through the keys the table binds (F5–F8 and letters).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeFerry } from '../helpers/fake-client.js';
import { localText, remoteText, rowOf } from './frames.js';
import { renderApp, SAMPLE, type SizedAppHarness } from './harness.js';

let app: SizedAppHarness | undefined;
afterEach(() => app?.unmount());

const W = 120;
const ready = (f: string) => f.includes('notes.md') && f.includes('drafts/');
const readOnlyApi = () => {
  const api = new FakeFerry(SAMPLE.map((f) => ({ ...f })));
  api.info = { ...api.info, features: ['udp'] };
  return api;
};

async function start(o: Parameters<typeof renderApp>[0] = {}): Promise<SizedAppHarness> {
  app = renderApp({ files: SAMPLE.map((f) => ({ ...f })), ...o });
  await app.waitFor(ready);
  return app;
}

describe('make folder', () => {
  it('F7 on the remote pane asks a name and makes the folder on the server', async () => {
    const a = await start();
    await a.press('F7');
    await a.waitFor((f) => f.includes('make folder in server /'));
    await a.type('new');
    await a.press('enter');
    const f = await a.waitFor((x) => rowOf(remoteText(x, W), 'new') !== undefined);
    expect(a.api.fileOps).toEqual(['mkdir new']);
    expect(f).toContain('✓ made folder new');
  });

  it('M on the local pane makes the folder on disk', async () => {
    const a = await start();
    await a.press('tab', 'M');
    await a.waitFor((f) => f.includes('make folder in local /'));
    await a.type('made');
    await a.press('enter');
    await a.waitFor((x) => rowOf(localText(x, W), 'made') !== undefined);
    expect(existsSync(join(a.localRoot, 'made'))).toBe(true);
    expect(a.api.fileOps).toEqual([]);
  });

  it('is refused on a read-only server, saying why, without asking', async () => {
    const a = await start({ api: readOnlyApi() });
    await a.press('M');
    const f = await a.waitFor((x) => x.includes('read-only'));
    expect(f).toContain('the server is read-only (start it with --allow-write to allow changes)');
    expect(f).not.toContain('make folder in');
    expect(a.api.fileOps).toEqual([]);
  });

  it('shows the server refusing, by its reason', async () => {
    const a = await start();
    a.api.fileOpError = Object.assign(new Error("'new' already exists"), { code: 'EXISTS' });
    await a.press('M');
    await a.waitFor((f) => f.includes('make folder in'));
    await a.type('new');
    await a.press('enter');
    const f = await a.waitFor((x) => x.includes('✗ make folder new'));
    expect(f).toContain("make folder new: 'new' already exists (EXISTS)");
  });
});

describe('delete', () => {
  it('F8 deletes the marked remote files after a question naming what and how much', async () => {
    const a = await start();
    await a.press('j', 'space', 'space'); // marks 160.jpg and 163.jpg
    await a.waitFor((f) => f.includes('2 marked'));
    await a.press('F8');
    let f = await a.waitFor((x) => x.includes('Delete 2 files (50.8 KiB)?'));
    expect(f).toContain('delete from server');
    expect(a.api.fileOps).toEqual([]);
    await a.press('y');
    f = await a.waitFor((x) => x.includes('✓ deleted 2 files'));
    expect(a.api.fileOps).toEqual(['remove 160.jpg', 'remove 163.jpg']);
    await a.waitFor((x) => rowOf(remoteText(x, W), '160.jpg') === undefined && rowOf(remoteText(x, W), '163.jpg') === undefined);
  });

  it('Delete on a folder counts what it holds, and removes it recursively', async () => {
    const a = await start();
    await a.press('delete'); // the cursor is on Pasta/
    await a.waitFor((x) => x.includes('Delete the folder Pasta (20 B, 1 entry inside)?'));
    await a.press('enter');
    await a.waitFor((x) => x.includes('✓ deleted Pasta'));
    expect(a.api.fileOps).toEqual(['remove Pasta recursive']);
  });

  it('n keeps everything; Backspace still goes up, never deletes', async () => {
    const a = await start();
    await a.press('F8');
    await a.waitFor((x) => x.includes('Delete the folder Pasta'));
    await a.press('n');
    await a.waitFor((x) => !x.includes('Delete the folder'));
    await a.press('enter'); // into Pasta/
    await a.waitFor((x) => x.includes('recipe.txt'));
    await a.press('backspace');
    const f = await a.waitFor((x) => x.includes('notes.md'));
    expect(f).not.toContain('Delete');
    expect(a.api.fileOps).toEqual([]);
  });

  it('deletes a local file from disk', async () => {
    const a = await start();
    await a.press('tab', 'j', 'j'); // like.txt (after .. is not shown at the root: drafts/, like.txt)
    await a.press('F8');
    await a.waitFor((x) => x.includes('Delete like.txt (15 B)?'));
    await a.press('y');
    await a.waitFor((x) => rowOf(localText(x, W), 'like.txt') === undefined);
    expect(existsSync(join(a.localRoot, 'like.txt'))).toBe(false);
  });

  it('is refused on a read-only server', async () => {
    const a = await start({ api: readOnlyApi() });
    await a.press('j', 'F8');
    await a.waitFor((x) => x.includes('the server is read-only'));
    expect(a.api.fileOps).toEqual([]);
  });
});

describe('rename and move', () => {
  it('R, Tab to this side, a new name: renames on the server', async () => {
    const a = await start();
    await a.press('j', 'j', 'j'); // like.txt
    await a.press('R');
    await a.waitFor((x) => x.includes('to local: /'));
    await a.press('tab');
    await a.waitFor((x) => x.includes('to server: like.txt'));
    await a.press('C-u');
    await a.type('liked.txt');
    await a.press('enter');
    await a.waitFor((x) => rowOf(remoteText(x, W), 'liked.txt') !== undefined);
    expect(a.api.fileOps).toEqual(['move like.txt liked.txt']);
  });

  it('F6 into a folder on the same side moves marked entries together', async () => {
    const a = await start();
    await a.press('j', 'space', 'space'); // 160.jpg, 163.jpg
    await a.press('F6');
    await a.waitFor((x) => x.includes('to local: /'));
    await a.press('tab');
    await a.waitFor((x) => x.includes('to server: /'));
    await a.type('Pasta/');
    await a.press('enter');
    await a.waitFor((x) => x.includes('✓ moved 2 files → Pasta'));
    expect(a.api.fileOps).toEqual(['move 160.jpg Pasta/160.jpg', 'move 163.jpg Pasta/163.jpg']);
  });

  it('renames a local file', async () => {
    const a = await start();
    await a.press('tab', 'j', 'j', 'R');
    await a.waitFor((x) => x.includes('to server: /'));
    await a.press('tab');
    await a.waitFor((x) => x.includes('to local: like.txt'));
    await a.press('C-u');
    await a.type('loved.txt');
    await a.press('enter');
    await a.waitFor((x) => rowOf(localText(x, W), 'loved.txt') !== undefined);
    expect(readFileSync(join(a.localRoot, 'loved.txt'), 'utf8')).toBe('I like ferries\n');
  });

  it('a move to the other side downloads, and deletes the original only once the copy is verified', async () => {
    const a = await start();
    await a.press('j', 'j', 'F6'); // 163.jpg
    await a.waitFor((x) => x.includes('to local: /'));
    await a.press('enter');
    const t = await a.api.downloads.next();
    expect(t.path).toBe('163.jpg');
    expect(t.options).toMatchObject({ dest: a.localRoot });
    expect(a.api.fileOps).toEqual([]); // nothing deleted while the transfer runs
    t.finish();
    await a.waitFor(() => a.api.fileOps.length > 0);
    expect(a.api.fileOps).toEqual(['remove 163.jpg']);
  });

  it('a folder moved here: each file deleted there once verified, then its folder, made here too', async () => {
    const a = await start({ files: [...SAMPLE.map((f) => ({ ...f })), { path: 'Pasta/sauce/tomato.txt', content: 'red' }] });
    await a.press('F6'); // the cursor is on Pasta/
    await a.waitFor((x) => x.includes('move Pasta (transfer, then delete once verified)'));
    await a.press('enter');
    const first = await a.api.downloads.next();
    const second = await a.api.downloads.next();
    expect([first.path, second.path].sort()).toEqual(['Pasta/recipe.txt', 'Pasta/sauce/tomato.txt']);
    first.finish();
    await a.waitFor(() => a.api.fileOps.length === 1);
    expect(a.api.fileOps).toEqual([`remove ${first.path}`]); // the folder waits for its other file
    second.finish();
    await a.waitFor(() => a.api.fileOps.length === 4);
    expect(a.api.fileOps.slice(1)).toEqual([`remove ${second.path}`, 'remove Pasta/sauce', 'remove Pasta']);
    expect(existsSync(join(a.localRoot, 'Pasta', 'sauce'))).toBe(true);
  });

  it('a big folder moved here streams through the queue: never listed whole, its originals gone as each lands', async () => {
    const big = Array.from({ length: 300 }, (_, i) => ({ path: `Big/d${i % 5}/f${i}.txt`, content: `file ${i}` }));
    const api = new FakeFerry([...big, { path: 'other.txt', content: 'stays' }]);
    api.streamBatch = 20;
    const a = renderApp({ api, local: { 'drafts/a.txt': 'a' } });
    app = a;
    await a.waitFor((x) => x.includes('Big/') && x.includes('drafts/'));
    await a.press('F6'); // the cursor is on Big/
    await a.waitFor((x) => x.includes('move Big'));
    await a.press('enter');
    for (let i = 0; i < 300; i++) (await a.api.downloads.next(5000)).finish();
    await a.waitFor(() => a.api.fileOps.includes('remove Big'), 10_000);
    // Walked folder by folder as the queue drained; no listing of the whole tree first.
    expect(a.api.listCalls.filter((o) => o.recursive === true)).toEqual([]);
    expect(a.api.fileOps.filter((op) => /^remove Big\/d\d\/f\d+\.txt$/.test(op))).toHaveLength(300);
    expect(a.api.fileOps.slice(-6).sort()).toEqual(['remove Big', 'remove Big/d0', 'remove Big/d1', 'remove Big/d2', 'remove Big/d3', 'remove Big/d4']);
    expect(a.api.mostOpen).toBeLessThanOrEqual(4);
    for (let d = 0; d < 5; d++) expect(existsSync(join(a.localRoot, 'Big', `d${d}`))).toBe(true);
  }, 30_000);

  it('a folder whose file fails to arrive stays on the server', async () => {
    const a = await start();
    await a.press('F6');
    await a.waitFor((x) => x.includes('move Pasta'));
    await a.press('enter');
    const t = await a.api.downloads.next();
    t.fail(Object.assign(new Error('checksum mismatch'), { code: 'CHECKSUM_MISMATCH' }));
    await a.waitFor((x) => x.includes('checksum mismatch'));
    expect(a.api.fileOps).toEqual([]);
  });

  it('a move whose transfer fails leaves the original', async () => {
    const a = await start();
    await a.press('j', 'j', 'F6');
    await a.waitFor((x) => x.includes('to local: /'));
    await a.press('enter');
    const t = await a.api.downloads.next();
    t.fail(Object.assign(new Error('connection lost'), { code: 'CONNECTION_LOST' }));
    await a.waitFor((x) => x.includes('connection lost'));
    expect(a.api.fileOps).toEqual([]);
  });

  it('a local file moved to the server is deleted here after its verified upload', async () => {
    const a = await start();
    await a.press('tab', 'j', 'j', 'F6'); // like.txt
    await a.waitFor((x) => x.includes('to server: /'));
    await a.press('enter');
    const up = await a.api.uploads.next();
    expect(up.options).toMatchObject({ as: 'like.txt' });
    expect(existsSync(join(a.localRoot, 'like.txt'))).toBe(true);
    up.finish();
    await a.waitFor((x) => rowOf(localText(x, W), 'like.txt') === undefined);
    expect(existsSync(join(a.localRoot, 'like.txt'))).toBe(false);
  });

  it('a move from a read-only server is refused (the files would stay there)', async () => {
    const a = await start({ api: readOnlyApi() });
    await a.press('j', 'j', 'F6');
    await a.waitFor((x) => x.includes('to local: /'));
    await a.press('enter');
    await a.waitFor((x) => x.includes('the server is read-only: a move would leave the files there'));
    expect(a.api.downloads.tryNext()).toBeUndefined();
  });
});

describe('copy', () => {
  it('F5 to the other side hands the files to the transfer queue', async () => {
    const a = await start();
    await a.press('j', 'space', 'space');
    await a.waitFor((x) => x.includes('2 marked'));
    await a.press('C');
    await a.waitFor((x) => x.includes('copy 2 files (through the transfer queue)'));
    await a.press('enter');
    const x1 = await a.api.downloads.next();
    const x2 = await a.api.downloads.next();
    expect([x1.path, x2.path].sort()).toEqual(['160.jpg', '163.jpg']);
    expect(x1.options).toMatchObject({ dest: a.localRoot });
    expect(a.api.fileOps).toEqual([]);
  });

  it('copies into a folder typed for the other side', async () => {
    const a = await start();
    await a.press('j', 'F5');
    await a.waitFor((x) => x.includes('to local: /'));
    await a.press('C-u');
    // The local pane is rooted at the top of the disk: its paths are absolute.
    await a.type(`${a.localRoot}/drafts/`);
    await a.press('enter');
    const t = await a.api.downloads.next();
    expect(t.options).toMatchObject({ dest: join(a.localRoot, 'drafts') });
  });

  it('copies on the server within the share', async () => {
    const a = await start();
    await a.press('j', 'j', 'j', 'C');
    await a.waitFor((x) => x.includes('to local: /'));
    await a.press('tab');
    await a.waitFor((x) => x.includes('to server: like.txt'));
    await a.press('C-u');
    await a.type('like-copy.txt');
    await a.press('enter');
    await a.waitFor((x) => rowOf(remoteText(x, W), 'like-copy.txt') !== undefined);
    expect(a.api.fileOps).toEqual(['copy like.txt like-copy.txt']);
  });

  it('copies a local file within the local folder', async () => {
    const a = await start();
    await a.press('tab', 'j', 'j', 'F5');
    await a.waitFor((x) => x.includes('to server: /'));
    await a.press('tab');
    await a.waitFor((x) => x.includes('to local: like.txt'));
    await a.press('C-u');
    await a.type('again.txt');
    await a.press('enter');
    await a.waitFor((x) => rowOf(localText(x, W), 'again.txt') !== undefined);
    expect(readFileSync(join(a.localRoot, 'again.txt'), 'utf8')).toBe('I like ferries\n');
  });

  it('a copy within a read-only server is refused; to this machine it still works', async () => {
    const a = await start({ api: readOnlyApi() });
    await a.press('j', 'j', 'j', 'C');
    await a.waitFor((x) => x.includes('to local: /'));
    await a.press('tab');
    await a.waitFor((x) => x.includes('to server: like.txt'));
    await a.press('C-u');
    await a.type('x.txt');
    await a.press('enter');
    await a.waitFor((x) => x.includes('the server is read-only'));
    expect(a.api.fileOps).toEqual([]);
    await a.press('escape', 'C');
    await a.waitFor((x) => x.includes('to local: /'));
    await a.press('enter');
    expect((await a.api.downloads.next()).path).toBe('like.txt');
  });

  it('a copy to a read-only server is refused', async () => {
    const a = await start({ api: readOnlyApi(), uploadAllowed: false });
    await a.press('tab', 'j', 'j', 'C');
    await a.waitFor((x) => x.includes('to server: /'));
    await a.press('enter');
    await a.waitFor((x) => x.includes('the server is read-only'));
    expect(a.api.uploads.tryNext()).toBeUndefined();
  });
});

describe("the ':' line", () => {
  it('runs mkdir, mv, cp and rm on the server, and says when one is refused', async () => {
    const a = await start();
    await a.press(':');
    await a.waitFor((x) => x.includes('$ '));
    await a.type('mv like.txt "liked it.txt"');
    await a.press('enter');
    await a.waitFor((x) => rowOf(remoteText(x, W), 'liked it.txt') !== undefined);
    expect(a.api.fileOps).toEqual(['move like.txt liked it.txt']);
    a.api.fileOpError = Object.assign(new Error("'Pasta' is a folder that is not empty"), { code: 'NOT_EMPTY' });
    await a.press(':');
    await a.waitFor((x) => x.includes('$ '));
    await a.type('rm Pasta');
    await a.press('enter');
    await a.waitFor((x) => x.includes("✗ rm Pasta: 'Pasta' is a folder that is not empty (NOT_EMPTY)"));
  });
});

describe('the keys', () => {
  it('? lists them', async () => {
    const a = await start();
    await a.press('?');
    await a.waitFor((x) => x.includes('help · Esc close'));
    await a.press('G'); // the help scrolls when the screen is shorter than it
    const f = await a.waitFor((x) => x.includes('F8 Del'));
    expect(f).toContain('F5 C');
    expect(f).toContain('F6 R');
    expect(f).toContain('F7 M');
    expect(f).toContain('F8 Del');
    expect(f).toContain('Make a folder here');
  });

  it('the write permission is read again when the client reconnects', async () => {
    const api = readOnlyApi();
    const a = await start({ api });
    expect(a.frame()).toContain('remote  127.0.0.1:2003 · read-only');
    await a.press('M');
    await a.waitFor((x) => x.includes('the server is read-only'));
    await a.press('escape');
    await a.waitFor((x) => !x.includes('the server is read-only'));
    api.reconnectWith(['udp', 'upload', 'write']);
    await a.waitFor((x) => !x.includes('read-only'));
    await a.press('M');
    await a.waitFor((x) => x.includes('make folder in server /'));
  });
});
