// A local folder to the server through the app's transfer queue: walked as the
// queue drains (a bounded number of files known at any moment, never the tree),
// its empty folders made there, and a move whose original goes only once every
// file of it landed verified.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { UploadOptions } from '../../src/client/types.js';
import { requeue } from '../../src/tui/hooks/use-saved-queue.js';
import { type Transfers, useTransfers } from '../../src/tui/hooks/use-transfers.js';
import { rowCount, runningCount } from '../../src/tui/state/transfers.js';
import { FakeFerry, type PendingTransfer } from '../helpers/fake-client.js';
import { localText, rowOf } from './frames.js';
import { localFolder, renderApp, SAMPLE, type SizedAppHarness } from './harness.js';

let app: SizedAppHarness | undefined;
let unmount: (() => void) | undefined;
afterEach(() => {
  app?.unmount();
  app = undefined;
  unmount?.();
  unmount = undefined;
});

function Probe({ api, concurrency, out }: { api: FakeFerry; concurrency: number; out: { current: Transfers } }) {
  out.current = useTransfers(api, { concurrency });
  return <Text>{rowCount(out.current.transfers)}</Text>;
}

/** The tasks a queue reads ahead of its free slots (transfer-queue.ts READ_AHEAD). */
const READ_AHEAD = 256;

describe('useTransfers.uploadFolder', () => {
  it('walks a folder of 1,000 files as the queue drains: the files known at any moment stay bounded', async () => {
    const FOLDERS = 10;
    const PER = 100;
    const files: Record<string, string> = {};
    for (let d = 0; d < FOLDERS; d++) for (let i = 0; i < PER; i++) files[`top/d${d}/f${i}.txt`] = `${d}.${i}`;
    const root = localFolder(files);
    const api = new FakeFerry();
    const out = {} as { current: Transfers };
    const r = render(<Probe api={api} concurrency={2} out={out} />);
    unmount = r.unmount;
    let landed: { ok: boolean; files: number } | undefined;
    out.current.uploadFolder(join(root, 'top'), 'up', { onDone: (ok, n) => void (landed = { ok, files: n }) });
    const seen = new Set<string>();
    let mostKnown = 0;
    for (let n = 0; n < FOLDERS * PER; n++) {
      const t = await api.uploads.next();
      const b = out.current.latest.current.batch!;
      // Known to the batch and not yet settled: what runs, what waits read ahead, the one being read.
      mostKnown = Math.max(mostKnown, b.files - b.done);
      expect(api.openTransfers).toBeLessThanOrEqual(2);
      expect(t.options).toMatchObject({ parents: true });
      seen.add(t.path);
      t.finish();
    }
    expect(seen.size).toBe(FOLDERS * PER);
    expect(seen.has('up/d3/f7.txt')).toBe(true);
    expect(mostKnown).toBeLessThanOrEqual(2 + READ_AHEAD + 1);
    expect(mostKnown).toBeLessThan(FOLDERS * PER);
    await expect.poll(() => landed).toEqual({ ok: true, files: FOLDERS * PER });
    await expect.poll(() => runningCount(out.current.latest.current)).toBe(0);
    expect(out.current.latest.current.batch).toMatchObject({ files: FOLDERS * PER, done: FOLDERS * PER, listing: 0 });
    // Every folder made on the server as the walk reached it, the top first.
    expect(api.fileOps[0]).toBe('mkdir up');
    expect(api.fileOps.filter((o) => o.startsWith('mkdir'))).toHaveLength(FOLDERS + 1);
  }, 60_000);
});

const W = 120;
const ready = (f: string) => f.includes('notes.md') && f.includes('photos/');

async function start(local: Record<string, string>, empty: string[] = []): Promise<SizedAppHarness> {
  app = renderApp({ files: SAMPLE.map((f) => ({ ...f })), local });
  for (const e of empty) mkdirSync(join(app.localRoot, e), { recursive: true });
  await app.waitFor(ready);
  return app;
}

const PHOTOS = { 'photos/a.txt': 'A', 'photos/sub/b.txt': 'BB', 'photos/.keep': '' };

/** The uploads asked for until `n` have started, by remote path. */
async function uploads(a: SizedAppHarness, n: number): Promise<Map<string, PendingTransfer<unknown>>> {
  const got = new Map<string, PendingTransfer<unknown>>();
  while (got.size < n) {
    const t = await a.api.uploads.next();
    got.set(t.path, t as PendingTransfer<unknown>);
  }
  return got;
}

describe('a local folder to the server, in the app', () => {
  it('F5 copies it through the queue: every file (hidden ones too), its empty folders made there', async () => {
    const a = await start(PHOTOS, ['photos/empty/deeper']);
    await a.press('tab', 'j', 'F5'); // photos/
    await a.waitFor((x) => x.includes('copy photos (through the transfer queue)'));
    await a.press('enter');
    const got = await uploads(a, 3);
    expect([...got.keys()].sort()).toEqual(['photos/.keep', 'photos/a.txt', 'photos/sub/b.txt']);
    expect((got.get('photos/sub/b.txt')!.options as UploadOptions).parents).toBe(true);
    for (const t of got.values()) t.finish();
    await a.waitFor(() => a.api.fileOps.includes('mkdir photos/empty/deeper'));
    expect(a.api.fileOps).toEqual(expect.arrayContaining(['mkdir photos', 'mkdir photos/sub', 'mkdir photos/empty', 'mkdir photos/empty/deeper']));
    expect(a.api.fileOps.some((o) => o.startsWith('remove'))).toBe(false);
    await a.waitFor((x) => x.includes('3 files') || x.includes('3/3'));
    expect(readFileSync(join(a.localRoot, 'photos', 'a.txt'), 'utf8')).toBe('A'); // a copy leaves it
  });

  it('u uploads the selected folder whole', async () => {
    const a = await start(PHOTOS);
    await a.press('tab', 'j', 'u');
    const got = await uploads(a, 3);
    expect(got.has('photos/sub/b.txt')).toBe(true);
    expect(a.api.fileOps[0]).toBe('mkdir photos');
  });

  it('F6 moves it: the original goes only once every file landed verified', async () => {
    const a = await start(PHOTOS, ['photos/empty']);
    await a.press('tab', 'j', 'F6');
    await a.waitFor((x) => x.includes('move photos (transfer, then delete once verified)'));
    await a.press('enter');
    const got = await uploads(a, 3);
    const [first, ...rest] = [...got.values()];
    first!.finish();
    rest[0]!.finish();
    // Two landed, one still on its way: nothing of the original is touched.
    await a.waitFor((x) => x.includes('2/3 files'));
    expect(existsSync(join(a.localRoot, 'photos', 'a.txt'))).toBe(true);
    expect(existsSync(join(a.localRoot, 'photos', 'sub', 'b.txt'))).toBe(true);
    rest[1]!.finish();
    await a.waitFor(() => !existsSync(join(a.localRoot, 'photos')));
    expect(a.api.fileOps).toContain('mkdir photos/empty');
    await a.waitFor((x) => rowOf(localText(x, W), 'photos') === undefined);
  });

  it('a file written into it while it goes up stays here, with its folder', async () => {
    const a = await start(PHOTOS);
    await a.press('tab', 'j', 'F6');
    await a.waitFor((x) => x.includes('move photos'));
    await a.press('enter');
    const got = await uploads(a, 3);
    writeFileSync(join(a.localRoot, 'photos', 'sub', 'new.txt'), 'late');
    for (const t of got.values()) t.finish();
    await a.waitFor((x) => x.includes('changed while it went up'));
    expect(existsSync(join(a.localRoot, 'photos', 'sub', 'new.txt'))).toBe(true);
    expect(existsSync(join(a.localRoot, 'photos', 'sub', 'b.txt'))).toBe(false);
    expect(existsSync(join(a.localRoot, 'photos', 'a.txt'))).toBe(false);
  });

  it('a file that fails to land keeps the whole original', async () => {
    const a = await start(PHOTOS);
    await a.press('tab', 'j', 'F6');
    await a.waitFor((x) => x.includes('move photos'));
    await a.press('enter');
    const got = await uploads(a, 3);
    got.get('photos/a.txt')!.fail(Object.assign(new Error('checksum mismatch'), { code: 'CHECKSUM_MISMATCH' }));
    got.get('photos/sub/b.txt')!.finish();
    got.get('photos/.keep')!.finish();
    await a.waitFor((x) => x.includes('not every file landed verified, so the original stays'));
    expect(readFileSync(join(a.localRoot, 'photos', 'sub', 'b.txt'), 'utf8')).toBe('BB');
    expect(readFileSync(join(a.localRoot, 'photos', 'a.txt'), 'utf8')).toBe('A');
    expect(a.api.fileOps.some((o) => o.startsWith('remove'))).toBe(false);
  });

  it('cancelled half way (X): the original stays whole', async () => {
    const a = await start(PHOTOS);
    await a.press('tab', 'j', 'F6');
    await a.waitFor((x) => x.includes('move photos'));
    await a.press('enter');
    const got = await uploads(a, 3);
    got.get('photos/a.txt')!.finish();
    await a.press('X');
    await a.waitFor((x) => x.includes('cancel all?'));
    await a.press('y');
    await a.waitFor((x) => x.includes('not every file landed verified, so the original stays'));
    expect(readFileSync(join(a.localRoot, 'photos', 'a.txt'), 'utf8')).toBe('A');
    expect(readFileSync(join(a.localRoot, 'photos', 'sub', 'b.txt'), 'utf8')).toBe('BB');
  });

  it('a copy not verified at the server keeps the original', async () => {
    const a = await start({ 'photos/a.txt': 'A' });
    await a.press('tab', 'j', 'F6');
    await a.waitFor((x) => x.includes('move photos'));
    await a.press('enter');
    const t = await a.api.uploads.next();
    t.finish({ verified: false } as never);
    await a.waitFor((x) => x.includes('the original stays'));
    expect(existsSync(join(a.localRoot, 'photos', 'a.txt'))).toBe(true);
  });
});

describe('a folder going up, across a quit', () => {
  it('is kept as the folder (not its files so far) and queued again whole', async () => {
    const root = localFolder({ 'top/a.txt': 'a', 'top/in/b.txt': 'b' });
    const api = new FakeFerry();
    const out = {} as { current: Transfers };
    const r = render(<Probe api={api} concurrency={1} out={out} />);
    unmount = r.unmount;
    out.current.uploadFolder(join(root, 'top'), 'up');
    const first = await api.uploads.next();
    const kept = out.current.unfinished(100);
    expect(kept).toEqual({ entries: [{ dir: 'up', local: join(root, 'top'), path: 'up', folder: true }], left: 0 });
    first.finish();
    const calls: string[] = [];
    requeue(
      {
        downloadFiles: () => calls.push('downloadFiles'),
        downloadFolder: () => calls.push('downloadFolder'),
        uploadFiles: (f) => calls.push(`uploadFiles ${f.length}`),
        uploadFolder: (local, remote) => calls.push(`uploadFolder ${local} ${remote}`),
      },
      [...kept.entries, { dir: 'up', local: '/l/x', path: 'x' }],
    );
    expect(calls).toEqual([`uploadFolder ${join(root, 'top')} up`, 'uploadFiles 1']);
  });
});
