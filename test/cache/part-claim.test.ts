// claimPart: one writer per stable .part. Two DownloadCache instances on one
// folder stand for two processes; the hooks' pid makes one look dead.

import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DownloadCache } from '../../src/cache/cache.js';
import { deadPid, exists, removeTempDirs, tempDir } from './helpers.js';

afterEach(removeTempDirs);

describe('claimPart', () => {
  it('gives the stable .part to the first claim and a private one to a second while the first is held', async () => {
    const dir = await tempDir();
    const [one, two] = await Promise.all([DownloadCache.open({ dir }), DownloadCache.open({ dir })]);
    const stable = one.partPaths('h:1', 'docs/x.bin');
    const first = await one.claimPart('h:1', 'docs/x.bin');
    expect(first).toMatchObject({ ...stable, stable: true });

    const second = await two.claimPart('h:1', '/docs/x.bin');
    expect(second.stable).toBe(false);
    expect(second.part).not.toBe(stable.part);
    expect(second.sidecar).not.toBe(stable.sidecar);
    expect(path.dirname(second.part)).toBe(path.join(dir, 'parts'));
    expect(second.part).toMatch(new RegExp(`\\.${process.pid}-[0-9a-f]{12}\\.part$`));

    // Another file is free to claim.
    const other = await two.claimPart('h:1', 'docs/y.bin');
    expect(other.stable).toBe(true);

    await writeFile(first.part, 'first');
    await writeFile(second.part, 'second');
    await writeFile(second.sidecar, '{}');
    await second.release();
    expect(await exists(second.part)).toBe(false);
    expect(await exists(second.sidecar)).toBe(false);

    await first.release();
    await first.release(); // twice is harmless
    expect(await exists(first.part)).toBe(true); // kept for a resume
    const again = await two.claimPart('h:1', 'docs/x.bin');
    expect(again.stable).toBe(true);
    await again.release();
    await other.release();
    expect((await readdir(path.join(dir, 'parts'))).sort()).toEqual([path.basename(first.part)]);
    expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);
  });

  it("takes over a claim whose process died, and the repair removes a dead process's private .part", async () => {
    const dir = await tempDir();
    const dying = await DownloadCache.open({ dir, hooks: { pid: deadPid() } });
    const live = await DownloadCache.open({ dir });
    const held = await live.claimPart('h:1', 'a');
    const orphan = await dying.claimPart('h:1', 'a'); // private: a live process holds the stable one
    expect(orphan.stable).toBe(false);
    await writeFile(orphan.part, 'x');
    await writeFile(orphan.sidecar, '{}');
    const deadHolds = await dying.claimPart('h:1', 'b'); // never released: the process "dies"
    expect(deadHolds.stable).toBe(true);

    const later = await DownloadCache.open({ dir });
    expect(later.repairReport.deleted.sort()).toEqual(
      [path.relative(dir, orphan.part), path.relative(dir, orphan.sidecar), path.relative(dir, deadHolds.part.replace(/\.part$/, '.claim'))].sort(),
    );
    const b = await later.claimPart('h:1', 'b');
    expect(b).toMatchObject({ part: deadHolds.part, stable: true });

    // Without the repair, a claim breaks a dead holder's claim itself.
    const c = await dying.claimPart('h:1', 'c');
    const taken = await later.claimPart('h:1', 'c');
    expect(taken).toMatchObject({ part: c.part, stable: true });
    await c.release(); // the dead holder's release must not free the new holder's claim
    expect((await later.claimPart('h:1', 'c')).stable).toBe(false);
    for (const claim of [held, b, taken]) await claim.release();
  });
});
