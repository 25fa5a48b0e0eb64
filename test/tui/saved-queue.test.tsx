// Quitting with work queued: the question says what happens, the unfinished
// part (running, queued, waiting for an answer, a folder not yet walked) goes
// to a small file written whole, and the next start offers it back.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadQueue, type SavedQueue } from '../../src/client/saved-queue.js';
import { Unfinished } from '../../src/tui/hooks/unfinished.js';
import { scratchDirSync } from '../helpers/scratch.js';
import { renderApp, type AppHarness } from './harness.js';

let app: AppHarness | undefined;
afterEach(() => app?.unmount());

const FILES = [
  { path: 'a.txt', content: 'a' },
  { path: 'b.txt', content: 'b' },
  { path: 'c.txt', content: 'c' },
  { path: 'd.txt', content: 'd' },
  { path: 'photos/p1.jpg', size: 10 },
  { path: 'photos/p2.jpg', size: 20 },
];
const ready = (f: string) => f.includes('a.txt') && f.includes('photos/');
const exists = (path: string) => Object.assign(new Error(`/x/${path} already exists and differs`), { code: 'EXISTS', reason: 'DIFFERS' });

describe('unfinished transfers across a quit', () => {
  it('are kept on quit and offered at the next start; y queues them again', async () => {
    const state = scratchDirSync('ferry-state-');
    const queueFile = join(state, 'unfinished-transfers.json');
    app = renderApp({ files: FILES, concurrency: 1, queueFile });
    await app.waitFor(ready);
    // photos/ is first: mark a.txt … d.txt, then the folder on its own.
    await app.press('j', 'space', 'space', 'space', 'space');
    await app.waitFor((x) => x.includes('4 marked'));
    await app.press('d');
    const a = await app.api.downloads.next();
    expect(a.path).toBe('a.txt');
    a.finish();
    const b = await app.api.downloads.next();
    b.fail(exists('b.txt')); // waits for an answer: still to do
    await app.waitFor((x) => x.includes('b.txt exists here and differs'));
    const c = await app.api.downloads.next(); // the queue went on
    expect(c.path).toBe('c.txt');
    await app.press('q');
    // The counts are redrawn at most every 100 ms: wait for them, not just for the question.
    let f = await app.waitFor((x) => x.includes('1 transfer is running and 2 queued'));
    expect(f).toContain('1 transfer is running and 2 queued. Quit? ferry offers to resume them at the next start.');
    await app.press('y');
    expect(app.exited()).toBe(true);
    expect(c.settled).toBe(true); // aborted on the way out
    const saved = loadQueue(queueFile)!;
    expect(saved.server).toBe(app.api.info.address);
    expect(saved.entries.map((e) => e.path)).toEqual(['b.txt', 'c.txt', 'd.txt']);
    expect(saved.entries[0]).toEqual({ dir: 'down', path: 'b.txt', dest: app.localRoot, transport: 'tcp', size: 1 });
    // Written whole under another name, then renamed: nothing else is left beside it.
    expect(readdirSync(state)).toEqual(['unfinished-transfers.json']);
    const firstRoot = app.localRoot;
    app.unmount();

    app = renderApp({ files: FILES, queueFile });
    f = await app.waitFor((x) => x.includes('3 transfers were left unfinished at the last quit (127.0.0.1:2003). Resume?'));
    await app.press('y');
    const again = [await app.api.downloads.next(), await app.api.downloads.next(), await app.api.downloads.next()];
    expect(again.map((t) => t.path)).toEqual(['b.txt', 'c.txt', 'd.txt']);
    // Into the folder they were meant for then, whatever this start's local folder is.
    expect(again[0]!.options).toMatchObject({ dest: firstRoot, transport: 'tcp' });
    // Taken up: the file is gone, and a quit with nothing left writes none.
    expect(readdirSync(state)).toEqual([]);
    for (const t of again) t.finish();
    await app.waitFor((x) => /3\/3 files/.test(x));
    await app.press('q');
    expect(app.exited()).toBe(true);
    expect(readdirSync(state)).toEqual([]);
  });

  it('a folder being downloaded is kept as the folder; n forgets what was kept', async () => {
    const state = scratchDirSync('ferry-state-');
    const queueFile = join(state, 'unfinished-transfers.json');
    app = renderApp({ files: FILES, concurrency: 1, queueFile });
    await app.waitFor(ready);
    await app.press('d'); // photos/
    expect((await app.api.downloads.next()).path).toBe('photos/p1.jpg');
    await app.press('q');
    await app.waitFor((x) => x.includes('Quit?'));
    await app.press('y');
    expect(app.exited()).toBe(true);
    expect(loadQueue(queueFile)!.entries).toEqual([{ dir: 'down', path: 'photos', dest: app.localRoot, transport: 'tcp', folder: true }]);
    app.unmount();
    app = renderApp({ files: FILES, queueFile });
    await app.waitFor((x) => x.includes('1 transfer was left unfinished'));
    await app.press('n');
    await app.waitFor((x) => !x.includes('left unfinished'));
    expect(readdirSync(state)).toEqual([]);
    expect(app.api.downloads.tryNext()).toBeUndefined();
  });

  it('a damaged or foreign file is not offered', () => {
    const state = scratchDirSync('ferry-state-');
    const file = join(state, 'q.json');
    writeFileSync(file, '{"version":1,"server":"x","entries":[');
    expect(loadQueue(file)).toBeNull();
    const q: SavedQueue = { version: 1, server: 'x', saved: '', entries: [{ dir: 'down', path: 'a', dest: '/d', transport: 'tcp' }] };
    writeFileSync(file, JSON.stringify({ ...q, entries: [...q.entries, { dir: 'down', path: 'b', transport: 'carrier pigeon' }, { dir: 'up' }] }));
    expect(loadQueue(file)?.entries).toEqual(q.entries);
    writeFileSync(file, JSON.stringify({ ...q, version: 2 }));
    expect(loadQueue(file)).toBeNull();
    expect(JSON.parse(readFileSync(file, 'utf8')).version).toBe(2);
  });
});

describe('Unfinished', () => {
  it('holds, per batch, the entries open and unread, never copies of the list', () => {
    const u = new Unfinished();
    const made: number[] = [];
    const list = u.add(5, (i) => (made.push(i), { dir: 'up', local: `/l/${i}`, path: `r/${i}` }));
    const folder = u.add(1, () => ({ dir: 'down', path: 'f', dest: '/d', transport: 'udp', folder: true }), true);
    expect(made).toEqual([]); // entries are made only when asked for
    u.read(list, 0);
    u.read(list, 1);
    u.settle(list, 0);
    u.read(folder, 0);
    u.read(folder, 0);
    u.settle(folder, 0);
    expect(u.entries(10).entries.map((e) => e.path)).toEqual(['r/1', 'r/2', 'r/3', 'r/4', 'f']);
    expect(u.entries(2)).toMatchObject({ left: 3 });
    for (let i = 2; i < 5; i++) u.read(list, i);
    for (let i = 1; i < 5; i++) u.settle(list, i);
    u.exhausted(folder); // listed to the end, one file still open
    expect(u.entries(10).entries.map((e) => e.path)).toEqual(['f']);
    u.settle(folder, 0);
    expect(u.entries(10).entries).toEqual([]);
    expect(u.size).toBe(0);
  });
});
