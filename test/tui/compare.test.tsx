// `=` compares the two panes' folders by content (remote pane's folder with
// the local pane's), marks every row, narrows to the differences and sums
// them up; `Y` previews the sync with checkboxes and hands the chosen copies
// to the transfer queue, deletes (only when asked) into the trash.

import { existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeFerry, type FakeFile } from '../helpers/fake-client.js';
import { formatBytes } from '../../src/format.js';
import type { AppProps } from '../../src/tui/components/App.js';
import { loadSyncState, saveSyncState, syncStateFile } from '../../src/client/sync-state.js';
import { scratchDir } from '../helpers/scratch.js';
import { localText, remoteText, rowOf } from './frames.js';
import { renderApp, type SizedAppHarness } from './harness.js';

let app: SizedAppHarness | undefined;
afterEach(() => app?.unmount());

const W = 120;
const T = Date.UTC(2020, 3, 18, 14, 52);

/** One path of every kind: identical, differing (by size, and by content alone), other time, one side only, file against folder. */
const REMOTE: FakeFile[] = [
  { path: 'same.txt', content: 'same bytes', mtimeMs: T },
  { path: 'differs.txt', content: 'the server version', mtimeMs: T },
  { path: 'samesize.txt', content: 'aaaa', mtimeMs: T },
  { path: 'time.txt', content: 'same content', mtimeMs: T },
  { path: 'server-only.txt', content: 'only there', mtimeMs: T },
  { path: 'kind', content: 'a file on the server', mtimeMs: T },
  { path: 'sub/x.txt', content: 'x', mtimeMs: T },
  { path: 'deep/y.txt', content: 'server y', mtimeMs: T },
];
const LOCAL: Record<string, string> = {
  'same.txt': 'same bytes',
  'differs.txt': 'here',
  'samesize.txt': 'bbbb',
  'time.txt': 'same content',
  'local-only.txt': 'only here',
  'kind/z.txt': 'a folder here',
  'sub/x.txt': 'x',
  'deep/y.txt': 'local y',
};

async function start(o: { api?: FakeFerry; uploadAllowed?: boolean; syncStateFile?: AppProps['syncStateFile'] } = {}): Promise<SizedAppHarness> {
  const api = o.api ?? new FakeFerry(REMOTE.map((f) => ({ ...f })));
  app = renderApp({
    api,
    local: LOCAL,
    columns: W,
    rows: 40,
    ...(o.uploadAllowed !== undefined ? { uploadAllowed: o.uploadAllowed } : {}),
    ...(o.syncStateFile !== undefined ? { syncStateFile: o.syncStateFile } : {}),
  });
  // Everything here has the server's time but time.txt (and the folders, which are not compared by time).
  for (const p of Object.keys(LOCAL)) if (p !== 'time.txt') utimesSync(join(app.localRoot, p), T / 1000, T / 1000);
  await app.waitFor((f) => f.includes('server-only.txt') && f.includes('local-only.txt'));
  return app;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The compare mark a pane shows before `name` ('' when the row has none), or undefined when there is no such row. */
function markOf(text: string, name: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = new RegExp(`[│┃][ ▌›*](.) ${escapeRegExp(name)}[/ ]`).exec(line);
    if (m) return m[1] === ' ' ? '' : m[1];
  }
  return undefined;
}

async function compared(a: SizedAppHarness): Promise<string> {
  await a.press('=');
  return a.waitFor((f) => f.includes(' same '), 5000);
}

describe('= compares the panes', () => {
  it('marks every row of both panes by category, folders by what is below them', async () => {
    const a = await start();
    const f = await compared(a);
    const remote = remoteText(f, W);
    const local = localText(f, W);
    expect(markOf(remote, 'same.txt')).toBe('=');
    expect(markOf(remote, 'differs.txt')).toBe('≠');
    expect(markOf(remote, 'samesize.txt')).toBe('≠'); // same size: only the BLAKE3 roots tell
    expect(markOf(remote, 'time.txt')).toBe('±');
    expect(markOf(remote, 'server-only.txt')).toBe('+');
    expect(markOf(remote, 'kind')).toBe('~');
    expect(markOf(remote, 'sub')).toBe('=');
    expect(markOf(remote, 'deep')).toBe('≠');
    expect(markOf(local, 'same.txt')).toBe('=');
    expect(markOf(local, 'differs.txt')).toBe('≠');
    expect(markOf(local, 'time.txt')).toBe('±');
    expect(markOf(local, 'local-only.txt')).toBe('+');
    expect(markOf(local, 'kind')).toBe('~');
    expect(markOf(local, 'deep')).toBe('≠');
    // Each title counts its side: identical paths (files and folders), differing ones, other times, its own.
    expect(remote).toContain('= 4  ≠ 4  ± 1  + 1');
    // kind/z.txt is here only: the server has a file called kind.
    expect(local).toContain('= 4  ≠ 4  ± 1  + 2');
  });

  it('gives a summary line with counts and bytes per category', async () => {
    const a = await start();
    const f = await compared(a);
    const line = f.split('\n').find((l) => l.includes(' same '))!;
    // same.txt and sub/x.txt, the folders sub and deep (folders count no bytes).
    expect(line).toContain(`=4 same ${formatBytes(11)}`);
    // The larger side of each: differs.txt, samesize.txt, deep/y.txt.
    expect(line).toContain(`≠3 differ ${formatBytes(18 + 4 + 8)}`);
    expect(line).toContain(`±1 time ${formatBytes(12)}`);
    expect(line).toContain(`+1 server only ${formatBytes(10)}`);
    expect(line).toContain(`+2 here only ${formatBytes(9 + 13)}`);
    expect(line).toContain(`~1 file/folder ${formatBytes(20)}`);
  });

  it('= again narrows both panes to the differences, and a third time shows all', async () => {
    const a = await start();
    await compared(a);
    await a.press('=');
    let f = await a.waitFor((x) => markOf(remoteText(x, W), 'same.txt') === undefined);
    expect(markOf(localText(f, W), 'same.txt')).toBeUndefined();
    expect(markOf(remoteText(f, W), 'sub')).toBeUndefined();
    expect(markOf(remoteText(f, W), 'deep')).toBe('≠');
    expect(markOf(remoteText(f, W), 'server-only.txt')).toBe('+');
    expect(markOf(localText(f, W), 'local-only.txt')).toBe('+');
    expect(remoteText(f, W)).toContain('· diffs only');
    await a.press('=');
    f = await a.waitFor((x) => markOf(remoteText(x, W), 'same.txt') === '=');
    expect(markOf(localText(f, W), 'same.txt')).toBe('=');
  });

  it('keeps the marks going down into a compared folder, and drops them on leaving the tree or a refresh', async () => {
    const a = await start();
    await compared(a);
    // Into deep/ on the remote pane (folders first: deep is the first row).
    await a.press('home', 'enter');
    let f = await a.waitFor((x) => markOf(remoteText(x, W), 'y.txt') !== undefined);
    expect(markOf(remoteText(f, W), 'y.txt')).toBe('≠');
    await a.press('backspace');
    f = await a.waitFor((x) => markOf(remoteText(x, W), 'deep') === '≠');
    await a.press('r');
    f = await a.waitFor((x) => !x.includes(' same '));
    expect(markOf(remoteText(f, W), 'same.txt')).toBeUndefined();
    expect(rowOf(remoteText(f, W), 'same.txt')).toBeDefined();
    // Compared again, then the local pane goes above the folder compared.
    await compared(a);
    await a.press('tab', 'backspace');
    f = await a.waitFor((x) => !x.includes(' same '));
    expect(f).not.toContain('≠');
  });

  it('shows its progress while the server lists, and Esc cancels it', async () => {
    const a = await start();
    let release = () => {};
    a.api.listGate = new Promise<void>((resolve) => (release = resolve));
    await a.press('=');
    let f = await a.waitFor((x) => x.includes('comparing / ↔'));
    expect(f).toContain('listed on the server');
    expect(f).toContain('Esc cancel');
    await a.press('escape');
    f = await a.waitFor((x) => x.includes('compare cancelled'));
    expect(f).not.toContain('comparing / ↔');
    expect(markOf(remoteText(f, W), 'same.txt')).toBeUndefined();
    release();
  });

  it('says when the folders are the same', async () => {
    const api = new FakeFerry([{ path: 'a.txt', content: 'A', mtimeMs: T }]);
    app = renderApp({ api, local: { 'a.txt': 'A' }, columns: W, rows: 40 });
    utimesSync(join(app.localRoot, 'a.txt'), T / 1000, T / 1000);
    await app.waitFor((f) => f.includes('a.txt'));
    const f = await compared(app);
    expect(f).toContain('the folders are the same');
    expect(markOf(remoteText(f, W), 'a.txt')).toBe('=');
  });
});

describe('the keys', () => {
  it('? lists = and Y', async () => {
    app = renderApp({ columns: W, rows: 50 });
    await app.waitFor((f) => f.includes('notes.md'));
    await app.press('?');
    const f = await app.waitFor((x) => x.includes('help · Esc close'));
    expect(f).toMatch(/=\s+Compare the folders \(again: diffs only\)/);
    expect(f).toMatch(/Y\s+Sync preview: one side like the other/);
  });
});

describe('Y previews the sync', () => {
  it('lists the plan with checkboxes, reasons and totals; Space and a toggle, d adds deletes, Tab turns it round', async () => {
    const a = await start();
    await a.press('Y');
    let f = await a.waitFor((x) => x.includes('sync: download / → here'), 5000);
    expect(f).toMatch(/\[x\] download\s+server-only\.txt/);
    expect(f).toMatch(/\[x\] set time\s+time\.txt/);
    // Both differ and no earlier sync says which is newer: left alone until checked.
    expect(f).toMatch(/\[ \] conflict\s+differs\.txt .*check it to overwrite/);
    expect(f).toMatch(/\[ \] conflict\s+deep\/y\.txt/);
    expect(f).toMatch(/ {3} skip\s+kind .*a folder here stands where the source has a file/);
    expect(f).not.toContain('local-only.txt');
    expect(f).toContain(`checked: 1 file · ${formatBytes(10)} · 1 time · 0 to delete`);

    // The first row is the first conflict (deep/y.txt, in path order after the folders).
    const first = f.split('\n').find((l) => l.includes('▌'))!;
    expect(first).toContain('deep/y.txt');
    // The selected row's two versions, with their BLAKE3 roots: which is which before one replaces the other.
    expect(f).toMatch(/server: 8 B · 2020-04-18 14:52 · blake3 [0-9a-f]{16}… {3}here: 7 B · 2020-04-18 14:52 · blake3 not read/);
    await a.press('space');
    f = await a.waitFor((x) => /\[x\] conflict\s+deep\/y\.txt/.test(x));
    expect(f).toContain(`checked: 2 files · ${formatBytes(10 + 8)}`);
    await a.press('a');
    f = await a.waitFor((x) => x.includes('checked: 4 files'));
    expect(f).toMatch(/\[x\] conflict\s+differs\.txt/);
    await a.press('a');
    f = await a.waitFor((x) => x.includes('checked: 0 files'));
    expect(f).toMatch(/\[ \] download\s+server-only\.txt/);

    await a.press('d');
    f = await a.waitFor((x) => x.includes('d deletes on'));
    expect(f).toMatch(/\[x\] delete\s+kind\//);
    expect(f).toMatch(/\[x\] delete\s+local-only\.txt/);
    expect(f).toContain('2 to delete');

    await a.press('tab');
    f = await a.waitFor((x) => x.includes('sync: upload'));
    expect(f).toMatch(/\[x\] upload\s+local-only\.txt/);
    expect(f).toMatch(/\[x\] delete\s+server-only\.txt/);
    await a.press('escape');
    f = await a.waitFor((x) => !x.includes('sync: upload'));
    expect(f).toContain('server-only.txt');
  });

  it('Enter hands the checked downloads to the transfer queue, each into its folder, a checked conflict overwriting', async () => {
    const a = await start();
    await a.press('Y');
    await a.waitFor((x) => x.includes('sync: download'), 5000);
    await a.press('space'); // deep/y.txt: take the server's
    await a.waitFor((x) => /\[x\] conflict\s+deep\/y\.txt/.test(x));
    await a.press('enter');
    const got = [await a.api.downloads.next(), await a.api.downloads.next()];
    const byPath = new Map(got.map((t) => [t.path, t.options]));
    expect([...byPath.keys()].sort()).toEqual(['deep/y.txt', 'server-only.txt']);
    expect(byPath.get('deep/y.txt')).toMatchObject({ dest: join(a.localRoot, 'deep'), existing: 'overwrite' });
    expect(byPath.get('server-only.txt')).toMatchObject({ dest: a.localRoot });
    for (const t of got) t.finish();
    const f = await a.waitFor((x) => x.includes('✓ sync: 2 files'));
    expect(f).toContain('1 time set');
    // The differing file left unchecked was not touched, and nothing was deleted.
    expect(a.api.downloads.tryNext()).toBeUndefined();
    expect(existsSync(join(a.localRoot, 'local-only.txt'))).toBe(true);
    expect(existsSync(join(a.localRoot, '.ferry-trash'))).toBe(false);
  });

  it('deletes only with the toggle on, and then into the trash under the local folder', async () => {
    const a = await start();
    await a.press('Y');
    await a.waitFor((x) => x.includes('sync: download'), 5000);
    await a.press('d');
    await a.waitFor((x) => x.includes('d deletes on'));
    await a.press('enter');
    await a.waitFor((x) => x.includes('deleted into'));
    expect(existsSync(join(a.localRoot, 'local-only.txt'))).toBe(false);
    const [stamp] = readdirSync(join(a.localRoot, '.ferry-trash'));
    expect(existsSync(join(a.localRoot, '.ferry-trash', stamp!, 'local-only.txt'))).toBe(true);
    expect(existsSync(join(a.localRoot, '.ferry-trash', stamp!, 'kind', 'z.txt'))).toBe(true);
    (await a.api.downloads.next()).finish();
  });

  it('uploads through the queue when turned round, and deletes on the server into its trash', async () => {
    const a = await start();
    await a.press('Y');
    await a.waitFor((x) => x.includes('sync: download'), 5000);
    await a.press('tab', 'd');
    await a.waitFor((x) => x.includes('sync: upload') && x.includes('d deletes on'));
    await a.press('enter');
    // kind/z.txt goes where the server's file kind was (deleted first), time.txt takes this side's time.
    const ups = [await a.api.uploads.next(), await a.api.uploads.next(), await a.api.uploads.next()];
    expect(ups.map((u) => u.path).sort()).toEqual(['kind/z.txt', 'local-only.txt', 'time.txt']);
    const up = ups.find((u) => u.path === 'local-only.txt')!;
    expect(up.options).toMatchObject({ as: 'local-only.txt', overwrite: true, parents: true });
    for (const u of ups) u.finish();
    await a.waitFor((x) => x.includes('✓ sync:'));
    const moved = a.api.fileOps.find((op) => op.startsWith('move server-only.txt'));
    expect(moved).toMatch(/^move server-only\.txt \.ferry-trash\/[^/]+\/server-only\.txt$/);
  });

  it('refuses to upload to a read-only server, saying so', async () => {
    const api = new FakeFerry(REMOTE.map((f) => ({ ...f })));
    api.info = { ...api.info, features: ['udp', 'list-blake3'] };
    const a = await start({ api, uploadAllowed: false });
    await a.press('Y');
    await a.waitFor((x) => x.includes('sync: download'), 5000);
    await a.press('tab');
    let f = await a.waitFor((x) => x.includes('sync: upload'));
    expect(f).toContain('the server is read-only');
    await a.press('enter');
    f = await a.waitFor((x) => x.includes('nothing can be uploaded to it'));
    expect(a.api.startedTransfers).toBe(0);
    expect(a.api.fileOps).toEqual([]);
  });
});

describe('the pair state ferry sync keeps', () => {
  it('is read by the preview (a file changed only at the source is taken) and written as the sync lands', async () => {
    const dir = await scratchDir();
    const asked: string[] = [];
    const stateFor = (pair: { remoteDir: string; localDir: string; direction: string }) => {
      asked.push(pair.direction);
      return syncStateFile({ server: 'fake:2003', ...pair }, dir);
    };
    const a = await start({ syncStateFile: stateFor });
    // As `ferry sync / LOCAL` names it: the same file.
    const file = syncStateFile({ server: 'fake:2003', remoteDir: '/', localDir: a.localRoot, direction: 'pull' }, dir);
    // The last sync left differs.txt here as it is now (4 bytes, the server's time): only the server changed it.
    await saveSyncState(file, new Map([['differs.txt', { size: 4, mtimeMs: T }]]));
    await a.press('Y');
    let f = await a.waitFor((x) => x.includes('sync: download'), 5000);
    expect(asked).toEqual(['pull']);
    expect(f).toMatch(/\[x\] download\s+differs\.txt .*changed at the source/);
    expect(f).toMatch(/\[ \] conflict\s+deep\/y\.txt .*no record of a sync/);
    await a.press('enter');
    for (let i = 0; i < 2; i++) {
      const t = await a.api.downloads.next();
      const name = t.path.split('/').pop()!;
      // What a verified download leaves: the server's bytes under the final name.
      writeFileSync(join((t.options as { dest: string }).dest, name), REMOTE.find((x) => x.path === t.path)!.content!);
      t.finish();
    }
    f = await a.waitFor((x) => x.includes('✓ sync: 2 files'));
    let saved = new Map<string, { size: number }>();
    const deadline = Date.now() + 5000;
    while (saved.get('differs.txt')?.size !== 18 && Date.now() < deadline) {
      saved = await loadSyncState(file);
      await new Promise((r) => setTimeout(r, 20));
    }
    // Identical files as they are, the files that landed as they landed, the time set; the conflict left alone has none.
    expect([...saved.keys()].sort()).toEqual(['differs.txt', 'same.txt', 'server-only.txt', 'sub/x.txt', 'time.txt']);
    expect(saved.get('differs.txt')!.size).toBe(18);
    expect(saved.get('server-only.txt')!.size).toBe(10);
  });
});

describe('at scale', () => {
  it('compares 20,000 paths, previews them and queues the downloads without opening more than the queue allows', async () => {
    const files: FakeFile[] = [];
    for (let d = 0; d < 100; d++) for (let f = 0; f < 199; f++) files.push({ path: `d${d}/f${f}.bin`, size: 3, mtimeMs: T });
    const api = new FakeFerry(files);
    app = renderApp({ api, local: {}, columns: W, rows: 40 });
    await app.waitFor((f) => f.includes('d0/'));
    await app.press('=');
    let f = await app.waitFor((x) => x.includes('+20000 server only'), 20_000);
    expect(markOf(remoteText(f, W), 'd0')).toBe('+');
    await app.press('Y');
    f = await app.waitFor((x) => x.includes('sync: download'), 10_000);
    expect(f).toContain(`checked: 19900 files · ${formatBytes(19_900 * 3)} · 100 folders`);
    await app.press('enter');
    await app.waitFor((x) => x.includes('0/19900 files'), 10_000);
    const first = await api.downloads.next(5000);
    expect((first.options as { dest?: string }).dest).toBe(join(app.localRoot, 'd0'));
    // The queue holds 19,900 descriptions; only its few slots are open.
    expect(api.mostOpen).toBeLessThanOrEqual(4);
    expect(api.startedTransfers).toBeLessThanOrEqual(4);
  }, 60_000);
});
