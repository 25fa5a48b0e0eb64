import { afterEach, describe, expect, it } from 'vitest';
import { CheckAllView, LOCAL_BATCH } from '../../src/tui/components/CheckAllView.js';
import { FakeFerry } from '../helpers/fake-client.js';
import { render, type Rendered } from '../helpers/render.js';

let r: Rendered | undefined;
afterEach(() => r?.unmount());

describe('check all, local side', () => {
  it('hashes local copies in batches: a few jobs for thousands of files, each path asked once', async () => {
    const N = 3000;
    const api = new FakeFerry([]);
    const asked: string[] = [];
    let jobs = 0;
    let single = 0;
    r = render(
      <CheckAllView
        api={api}
        remoteDir=""
        localMd5Of={async () => {
          single++;
          return null;
        }}
        localMd5sOf={async (paths) => {
          jobs++;
          asked.push(...paths);
          // Every third missing, every fifth differing, the rest the same.
          return paths.map((p) => {
            const i = Number(p.slice(1));
            return i % 3 === 0 ? null : i % 5 === 0 ? 'f'.repeat(32) : 'a'.repeat(32);
          });
        }}
        width={120}
        height={30}
        onClose={() => {}}
        onLog={() => {}}
      />,
      { columns: 120, rows: 30 },
    );
    const run = await api.hashAlls.next();
    run.start(N, N);
    for (let i = 0; i < N; i++) run.result({ path: `f${i}`, md5: 'a'.repeat(32), size: 1, mtimeMs: 0, mtime: '' });
    run.finish();
    const missing = Math.ceil(N / 3);
    let differs = 0;
    for (let i = 0; i < N; i++) if (i % 3 !== 0 && i % 5 === 0) differs++;
    await r.waitFor((x) => x.includes('done') && x.includes(`✓ ${N - missing - differs}  ✗ ${differs}  · ${missing}`), 30_000);
    expect(single).toBe(0);
    expect(asked.length).toBe(N);
    expect(new Set(asked).size).toBe(N);
    // Batches fill while the first ones run: never a job per file.
    expect(jobs).toBeLessThanOrEqual(Math.ceil(N / LOCAL_BATCH) + 8);
  }, 60_000);

  it('a batch that fails marks its files ! and the run still ends', async () => {
    const api = new FakeFerry([]);
    r = render(
      <CheckAllView
        api={api}
        remoteDir=""
        localMd5Of={async () => null}
        localMd5sOf={async () => {
          throw new Error('disk gone');
        }}
        width={120}
        height={20}
        onClose={() => {}}
        onLog={() => {}}
      />,
      { columns: 120, rows: 20 },
    );
    const run = await api.hashAlls.next();
    run.start(2, 2);
    run.result({ path: 'a', md5: 'a'.repeat(32), size: 1, mtimeMs: 0, mtime: '' });
    run.result({ path: 'b', md5: 'a'.repeat(32), size: 1, mtimeMs: 0, mtime: '' });
    run.finish();
    const f = await r.waitFor((x) => x.includes('done') && x.includes('✓ 0  ✗ 2  · 0'), 10_000);
    expect(f).toMatch(/! a .*local copy: disk gone/);
  });
});
