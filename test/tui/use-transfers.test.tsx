// The queue behind the app's transfers, driven through its hook alone: 20,000
// files queued at once, a few open at the client at any moment, and a state that
// holds a bounded number of rows however many files pass through it.

import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_TRANSFERS } from '../../src/client/download.js';
import type { DownloadOptions } from '../../src/client/types.js';
import { type Transfers, useTransfers } from '../../src/tui/hooks/use-transfers.js';
import { batchView } from '../../src/tui/state/transfer-batch.js';
import { MAX_FAILED_ROWS, MAX_FINISHED_ROWS, rowCount, runningCount } from '../../src/tui/state/transfers.js';
import { FakeFerry, type FakeFile } from '../helpers/fake-client.js';

let unmount: (() => void) | undefined;
afterEach(() => unmount?.());

/** Renders the hook and hands it out through `out`. */
function Probe({ api, concurrency, out }: { api: FakeFerry; concurrency?: number; out: { current: Transfers } }) {
  out.current = useTransfers(api, concurrency !== undefined ? { concurrency } : {});
  return <Text>{rowCount(out.current.transfers)}</Text>;
}

function mount(api: FakeFerry, concurrency?: number): { current: Transfers } {
  const out = {} as { current: Transfers };
  const r = render(<Probe api={api} concurrency={concurrency} out={out} />);
  unmount = r.unmount;
  return out;
}

type Pending = { finish(): void; fail(e: Error): void };

/** The next transfer started at the fake, download or upload; fails after a deadline. */
async function nextStarted(api: FakeFerry, timeoutMs = 2000): Promise<Pending> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = api.downloads.tryNext() ?? api.uploads.tryNext();
    if (t) return t;
    if (Date.now() > deadline) throw new Error(`no transfer started within ${timeoutMs} ms`);
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * Let `n` transfers through as slow ones would go: wait until `window` are open
 * (or all that are left), check the limit, settle the oldest, repeat.
 */
async function drain(api: FakeFerry, n: number, window: number, settle: (t: Pending, i: number) => void = (t) => t.finish()): Promise<void> {
  const open: Pending[] = [];
  let taken = 0;
  for (let i = 0; i < n; i++) {
    while (open.length < window && taken < n) {
      open.push(await nextStarted(api));
      taken++;
      expect(api.openTransfers).toBeLessThanOrEqual(window);
    }
    settle(open.shift()!, i);
  }
}

const files = (n: number): FakeFile[] => Array.from({ length: n }, (_, i) => ({ path: `d/f${i}.bin`, size: 1000 }));

describe('useTransfers', () => {
  it('20,000 files: at most `transfers` open at once, all settle, and the rows held stay bounded', async () => {
    const N = 20_000;
    const api = new FakeFerry(files(N));
    const t = mount(api);
    t.current.downloadFiles(
      api.files.map((f) => ({ path: f.path, size: f.size })),
      'tcp',
      '/dest',
    );
    // Queued at once: the batch knows all of them before any has started.
    expect(t.current.latest.current.batch).toMatchObject({ files: N, bytesTotal: N * 1000 });
    let mostRows = 0;
    await drain(api, N, DEFAULT_TRANSFERS, (d, i) => {
      mostRows = Math.max(mostRows, rowCount(t.current.latest.current));
      // One in a hundred fails: failures are kept longer than the rest, yet bounded.
      if (i % 100 === 99) d.fail(Object.assign(new Error('gone'), { code: 'NOT_FOUND' }));
      else d.finish();
    });
    await expect.poll(() => runningCount(t.current.latest.current)).toBe(0);
    const s = t.current.latest.current;
    expect(api.mostOpen).toBe(DEFAULT_TRANSFERS);
    expect(mostRows).toBeLessThanOrEqual(DEFAULT_TRANSFERS + MAX_FINISHED_ROWS + MAX_FAILED_ROWS);
    expect(s.finished).toHaveLength(MAX_FINISHED_ROWS);
    expect(s.failures).toHaveLength(N / 100);
    expect(batchView(s.batch!, 0, 0, false, Date.now())).toMatchObject({ files: N, done: N - N / 100, failed: N / 100, queued: 0, complete: true });
  }, 120_000);

  it('a folder of 20,000 files: walked a folder at a time, streamed, with bounded listing entries, transfers and rows held', async () => {
    const N = 20_000;
    const PER = 1000;
    const api = new FakeFerry(Array.from({ length: N }, (_, i) => ({ path: `top/d${Math.floor(i / PER)}/f${i}.bin`, size: 100 })));
    const t = mount(api);
    t.current.downloadFolder('top', 'tcp', '/dest');
    const most = { open: 0, rows: 0, listing: 0 };
    const paths = new Set<string>();
    await drain(api, N, DEFAULT_TRANSFERS, (d) => {
      const h = t.current.held();
      most.open = Math.max(most.open, h.open);
      most.rows = Math.max(most.rows, h.rows);
      most.listing = Math.max(most.listing, h.listing);
      paths.add((d as unknown as { path: string }).path);
      d.finish();
    });
    expect(paths.size).toBe(N);
    expect(most.open).toBeLessThanOrEqual(DEFAULT_TRANSFERS);
    expect(most.rows).toBeLessThanOrEqual(DEFAULT_TRANSFERS + MAX_FINISHED_ROWS);
    // One folder's files at most, never the tree's 20,000.
    expect(most.listing).toBeLessThanOrEqual(PER);
    expect(api.streamCalls).toHaveLength(N / PER + 1);
    expect(api.listCalls.some((c) => c.recursive)).toBe(false);
    await expect.poll(() => t.current.latest.current.batch).toMatchObject({ files: N, done: N, listing: 0 });
    // Then the folders themselves (empty ones, times), once.
    const folders = await api.downloads.next();
    expect(folders.options).toMatchObject({ recursive: true, foldersOnly: true });
    expect(t.current.held()).toEqual({ open: 0, rows: expect.any(Number), listing: 0, conflicts: 0 });
  }, 120_000);

  it('honours a concurrency of its own', async () => {
    const api = new FakeFerry(files(30));
    const t = mount(api, 2);
    t.current.downloadFiles(
      api.files.map((f) => ({ path: f.path, size: f.size })),
      'udp',
      '/dest',
    );
    await drain(api, 30, 2);
    expect(api.mostOpen).toBe(2);
    expect(api.startedTransfers).toBe(30);
  });

  it('uploads share the same queue and limit as downloads', async () => {
    const api = new FakeFerry(files(10));
    const t = mount(api, 3);
    t.current.downloadFiles(
      api.files.map((f) => ({ path: f.path })),
      'tcp',
      '/dest',
    );
    t.current.uploadFiles(Array.from({ length: 10 }, (_, i) => ({ localPath: `/local/u${i}`, remotePath: `u${i}` })));
    await drain(api, 20, 3);
    expect(api.mostOpen).toBe(3);
    expect(api.startedTransfers).toBe(20);
  });

  it('a folder is listed when the queue reaches it; a listing that fails is one failed row', async () => {
    const api = new FakeFerry([
      { path: 'top/a', size: 1 },
      { path: 'top/in/b', size: 2 },
      { path: 'other', size: 3 },
    ]);
    const t = mount(api);
    t.current.downloadFolder('top', 'tcp', '/dest');
    const got = [await api.downloads.next(), await api.downloads.next()];
    expect(got.map((d) => [d.path, (d.options as DownloadOptions).dest])).toEqual([
      ['top/a', '/dest/top'],
      ['top/in/b', '/dest/top/in'],
    ]);
    await expect.poll(() => t.current.latest.current.batch).toMatchObject({ files: 2, bytesTotal: 3, listing: 0 });
    for (const d of got) d.finish();
    api.listError = Object.assign(new Error('connection lost'), { code: 'UNAVAILABLE' });
    t.current.downloadFolder('top', 'tcp', '/dest');
    await expect.poll(() => t.current.latest.current.failures.length).toBe(1);
    expect(t.current.latest.current.failures[0]).toMatchObject({ path: 'top', status: 'failed' });
    expect(t.current.latest.current.failures[0]!.error).toContain('connection lost');
  });
});
