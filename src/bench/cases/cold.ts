// The first download of a file the server has never hashed, against the same
// download from a server whose index already has it. Issue #12: cold at most
// 1.5× warm. A cold server must produce the file's hashes before (or while)
// it sends, so this is where hashing on the critical path shows.
//
// Cold: before every run (untimed) a new `ferry serve` with empty state over
// an empty share folder, and only once it is listening is the source
// hard-linked in (same inode, so the page cache is shared and nothing is
// copied). The download then asks for a file the server has never seen, even
// if the server hashes new files in the background. Warm: one server whose
// index the warm-up filled. The two rows alternate within every run, so load
// that drifts during the case lands on both alike.

import fs from 'node:fs/promises';
import path from 'node:path';
import { measureAlternating } from '../measure.js';
import { timeoutFor } from '../peers/common.js';
import { checkFerryJson, ferryDownloader, startFerry, type FerryServer } from '../peers/ferry.js';
import { mbPerSecond } from '../stats.js';
import { formatSize } from '../table.js';
import { timeTarget } from '../targets.js';
import type { BenchContext, CaseResult } from '../types.js';
import { downloadSpec, type Source } from './download.js';

/** Issue #12: the cold download at most this times the warm one. */
export const COLD_TARGET = 1.5;

const WARM = 'ferry, index warm';
const COLD = 'ferry, index cold';

let shareSerial = 0;

export async function coldCase(ctx: BenchContext, src: Source): Promise<CaseResult> {
  const timeout = timeoutFor(src.bytes);
  const c: Omit<CaseResult, 'rows'> = {
    id: 'cold',
    title: 'TCP download, cold vs warm index',
    workload: `one ${formatSize(src.bytes)} file`,
    unit: 'MB/s',
  };
  ctx.log(`TCP download, server index cold vs warm, ${formatSize(src.bytes)}`);
  let warm: FerryServer;
  try {
    warm = await startFerry(ctx, src.dir);
  } catch (err) {
    const note = `ferry serve did not start: ${err instanceof Error ? err.message : String(err)}`;
    return { ...c, rows: [WARM, COLD].map((tool) => ({ tool, ferry: true, status: 'failed' as const, note, seconds: [] })) };
  }
  let cold: FerryServer | undefined;
  let share = '';
  const check = { checkOutput: (r: Parameters<typeof checkFerryJson>[0]) => checkFerryJson(r, src.md5) };
  const warmSpec = downloadSpec(ctx, WARM, () => ferryDownloader(ctx, warm, src.name, timeout), src, {
    ferry: true,
    note: '--no-cache; one server, index filled by the warm-up',
    ...check,
  });
  const coldSpec = downloadSpec(
    ctx,
    COLD,
    () => {
      if (!cold) throw new Error('no cold server');
      return ferryDownloader(ctx, cold, src.name, timeout);
    },
    src,
    { ferry: true, note: '--no-cache; a fresh server with an empty index each run, the file new to it', ...check },
  );
  try {
    const rows = await measureAlternating(ctx, [
      warmSpec,
      {
        ...coldSpec,
        before: async () => {
          await coldSpec.before?.();
          share = path.join(ctx.work, `cold-share-${++shareSerial}`);
          await fs.mkdir(share, { recursive: true });
          cold = await startFerry(ctx, share);
          await fs.link(path.join(src.dir, src.name), path.join(share, src.name));
        },
        after: async () => {
          await coldSpec.after?.();
          await cold?.close();
          cold = undefined;
          await fs.rm(share, { recursive: true, force: true });
        },
      },
    ]);
    for (const row of rows) if (row.summary) row.rate = mbPerSecond(src.bytes, row.summary.median);
    const result: CaseResult = { ...c, rows };
    timeTarget(result, COLD, WARM, 'max', COLD_TARGET, 'cold time ÷ warm time');
    return result;
  } finally {
    await warm.close();
  }
}
