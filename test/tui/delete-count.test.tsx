// The delete question's count of what a folder holds: streamed from the
// server batch by batch and shown as it grows, answerable at any moment, and
// stopped (the server's walk too) as soon as the question closes.

import { afterEach, describe, expect, it } from 'vitest';
import { FakeFerry, makeEntry } from '../helpers/fake-client.js';
import { renderApp, SAMPLE, type SizedAppHarness } from './harness.js';

let app: SizedAppHarness | undefined;
afterEach(() => app?.unmount());

const N = 12_000;

/** A share with a folder Big/ of N entries, streamed 1,000 a batch and held after `held` batches until released. */
function bigShare(held: number): { api: FakeFerry; release: () => void } {
  const api = new FakeFerry([...SAMPLE.map((f) => ({ ...f })), { path: 'Big/first.txt', content: 'x' }]);
  api.listings.set(
    'Big',
    Array.from({ length: N }, (_, i) => makeEntry(`Big/f${i}.bin`, 'file', 10)),
  );
  api.streamBatch = 1000;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  api.streamHold = (batch) => (batch >= held ? gate : undefined);
  return { api, release };
}

/** The signal the count's stream (Big, recursive) was given. */
function countSignal(api: FakeFerry): AbortSignal | undefined {
  return api.streamSignals[api.streamCalls.findIndex((c) => c.path === 'Big' && c.recursive)];
}

async function start(api: FakeFerry): Promise<SizedAppHarness> {
  app = renderApp({ api });
  await app.waitFor((f) => f.includes('Big/') && f.includes('notes.md'));
  return app;
}

describe('the delete count', () => {
  it('shows the running count as the listing streams, then the total', async () => {
    const { api, release } = bigShare(3);
    const a = await start(api);
    await a.press('F8'); // the cursor is on Big/
    await a.waitFor((x) => x.includes('Delete the folder Big (counting… 3,000 entries)?'));
    // Streamed: the one recursive listing asked for is this stream's.
    expect(api.streamCalls.filter((c) => c.recursive)).toEqual([{ path: 'Big', recursive: true, hidden: true }]);
    expect(api.listCalls.filter((c) => c.recursive)).toHaveLength(1);
    release();
    await a.waitFor((x) => x.includes('Delete the folder Big (117 KiB, 12000 entries inside)?'));
    expect(countSignal(api)?.aborted).toBe(false);
  });

  it('closing the question stops the count, and the server walk with it', async () => {
    const { api, release } = bigShare(2);
    const a = await start(api);
    await a.press('F8');
    await a.waitFor((x) => x.includes('counting… 2,000 entries'));
    await a.press('n');
    await a.waitFor((x) => !x.includes('Delete the folder'));
    expect(countSignal(api)?.aborted).toBe(true);
    release();
    expect(api.fileOps).toEqual([]);
  });

  it('can be answered while it counts: the folder goes, the count stops', async () => {
    const { api } = bigShare(1);
    const a = await start(api);
    await a.press('F8');
    await a.waitFor((x) => x.includes('counting… 1,000 entries'));
    await a.press('y');
    await a.waitFor((x) => x.includes('✓ deleted Big'));
    expect(api.fileOps).toEqual(['remove Big recursive']);
    expect(countSignal(api)?.aborted).toBe(true);
  });

  it('a local folder is counted as it is walked', async () => {
    app = renderApp({ local: { 'photos/a.txt': 'AAAA', 'photos/sub/b.txt': 'BB', 'photos/.keep': '' } });
    await app.waitFor((f) => f.includes('notes.md') && f.includes('photos/'));
    await app.press('tab', 'j', 'F8');
    await app.waitFor((x) => x.includes('Delete the folder photos (6 B, 4 entries inside)?'));
    await app.press('y');
    await app.waitFor((x) => x.includes('✓ deleted photos'));
  });
});
