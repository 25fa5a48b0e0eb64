// A folder of many small files (issue #13): 20,000 files of 1–16 KiB
// (--quick 2,000), fetched whole by `ferry download --recursive`, by an rsync
// daemon (-r, and -rt, which keeps times as ferry does) and by `scp -r`. Here
// the cost is per file, not per byte: a request, a file created, written,
// (for ferry) synced and renamed, and the round trips between them.
//
// ferry runs at several --transfers (files at once) so that its default can
// be chosen by measurement; the default's row is the one the peers are
// compared with. Every row's servers stay up for the whole case and the rows
// take turns within every run (ferry 4, 1, 8, rsync -r, -rt, scp, then again),
// so load that drifts on a shared machine lands on all of them alike.
//
// Every output is checked in full, untimed: the same set of files arrived,
// each with the source's size and MD5; ferry's `--json` must also call every
// file verified with the source's MD5.

import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_TRANSFERS } from '../../client/download.js';
import { filesUnder, makeSmallTree, removeData, SMALL_PER_FOLDER, type Tree } from '../data.js';
import { finishCase, measureAlternating, type MeasureSpec } from '../measure.js';
import { timeoutFor, type Downloader } from '../peers/common.js';
import { ferryTreeDownloader, startFerry } from '../peers/ferry.js';
import { rsyncNeeds, rsyncTreeDownloader, startRsyncd } from '../peers/rsync.js';
import { scpTreeDownloader, sshNeeds, startSshd } from '../peers/ssh.js';
import type { RunResult } from '../proc.js';
import { formatSize } from '../table.js';
import { peerTarget } from '../targets.js';
import type { BenchContext, CaseResult, Row } from '../types.js';
import { openPeer } from './peer-row.js';

/** The folder inside the share that every tool downloads. */
const FOLDER = 'small';
/** The --transfers values measured; the default's row comes first whatever it is. */
const TRANSFERS = [4, 8];
const RSYNC = 'rsync daemon, -r';
/** Issue #13: ferry's default at least this times as fast as `rsync -r` from the daemon. */
export const SMALL_RSYNC_TARGET = 1.0;
/** Files checked at once after a run (reads and MD5s of a few KiB each). */
const CHECK_PARALLEL = 8;

const ferryTool = (n: number) => `ferry, --transfers ${n}`;

/** The transfers values in row order: the default first (the peers' comparison), then the rest. */
export function transfersOrder(values: readonly number[], fallback: number): number[] {
  return [fallback, ...values.filter((n) => n !== fallback)];
}

export async function smallCase(ctx: BenchContext): Promise<CaseResult> {
  const count = ctx.options.smallFiles;
  const share = path.join(ctx.work, 'small-share');
  ctx.log(`making ${count} small files`);
  try {
    return await smallCaseOn(ctx, await makeSmallTree(path.join(share, FOLDER), count));
  } finally {
    await removeData(ctx.log, share);
  }
}

/** The same files arrived under `out`, each with the source's size and MD5; undefined when all did. */
export async function checkTree(tree: Tree, out: string): Promise<string | undefined> {
  let got: string[];
  try {
    got = await filesUnder(out);
  } catch {
    return `${path.basename(out)} did not arrive`;
  }
  const want = new Set(tree.files);
  const stray = got.find((f) => !want.has(f));
  if (stray !== undefined) return `a file the source does not have arrived: ${stray}`;
  if (got.length !== tree.files.length) return `${got.length} of ${tree.files.length} files arrived`;
  let wrong: string | undefined;
  let next = 0;
  const worker = async () => {
    while (wrong === undefined && next < tree.files.length) {
      const rel = tree.files[next++]!;
      const data = await fs.readFile(path.join(out, rel));
      const size = tree.sizes?.get(rel);
      if (data.length !== size) wrong ??= `${rel} has ${data.length} bytes, source ${size}`;
      else if (createHash('md5').update(data).digest('hex') !== tree.md5.get(rel)) wrong ??= `${rel}: MD5 differs from the source`;
    }
  };
  await Promise.all(Array.from({ length: CHECK_PARALLEL }, worker));
  return wrong;
}

interface FerryTreeJson {
  verified?: boolean;
  counts?: { files?: number; fetched?: number };
  files?: { path?: string; md5?: string; verified?: boolean }[];
}

/**
 * ferry's own verdicts from `download --recursive --json`: the folder verified
 * and every file fetched. The CLI reports a tree as counts (it keeps no result
 * per file); a result with `files` (the client API's) must also give each
 * file verified with the source's MD5.
 */
export function checkFerryTree(tree: Tree, folder: string, r: RunResult): string | undefined {
  let j: FerryTreeJson;
  try {
    j = JSON.parse(r.stdout) as FerryTreeJson;
  } catch {
    return 'ferry printed no JSON result';
  }
  if (j.verified !== true) return 'ferry did not report the folder as verified';
  if (j.counts && j.files === undefined) {
    const { files: n, fetched } = j.counts;
    if (n !== tree.files.length || fetched !== tree.files.length) return `ferry reported ${fetched} of ${n} files fetched, expected ${tree.files.length}`;
    return undefined;
  }
  const files = j.files ?? [];
  if (files.length !== tree.files.length) return `ferry reported ${files.length} files, expected ${tree.files.length}`;
  const prefix = `${folder}/`;
  for (const f of files) {
    const remote = (f.path ?? '').replace(/^\//, '');
    const rel = remote.startsWith(prefix) ? remote.slice(prefix.length) : remote;
    if (f.verified !== true) return `ferry did not report ${rel} as verified`;
    const md5 = tree.md5.get(rel);
    if (md5 === undefined) return `ferry reported a file the source does not have: ${rel}`;
    if (f.md5 !== md5) return `ferry reported MD5 ${f.md5} for ${rel}, source is ${md5}`;
  }
  return undefined;
}

let destSerial = 0;

/** One row's runs: a fresh empty destination, the timed fetch of the whole folder, every file checked, the copy removed. */
function treeSpec(
  ctx: BenchContext,
  tool: string,
  d: Downloader,
  tree: Tree,
  extra: { ferry?: boolean; note: string; checkOutput?: (r: RunResult) => string | undefined },
): MeasureSpec {
  let dest = '';
  return {
    tool,
    ferry: extra.ferry ?? false,
    note: extra.note,
    before: async () => {
      dest = path.join(ctx.work, 'dest', `small-${++destSerial}`);
      await fs.mkdir(dest, { recursive: true });
    },
    once: () => d.fetch(dest),
    check: async (r) => extra.checkOutput?.(r) ?? (await checkTree(tree, d.output(dest))),
    explain: async () => {
      const got = await filesUnder(d.output(dest)).catch(() => []);
      return `(${got.length} of ${tree.files.length} files had arrived)`;
    },
    after: async () => {
      // Remove each copy at once: the page cache should hold the source, not old copies.
      await fs.rm(dest, { recursive: true, force: true });
    },
  };
}

async function smallCaseOn(ctx: BenchContext, tree: Tree): Promise<CaseResult> {
  const share = path.dirname(tree.root);
  const count = tree.files.length;
  // Generous, so only a hang trips it: a 20 MB/s floor plus 20 ms a file
  // (ferry at --transfers 1 has taken ~7 ms a file on 2 busy cores).
  const timeoutMs = timeoutFor(tree.bytes) + count * 20;
  const transfers = transfersOrder(TRANSFERS, DEFAULT_TRANSFERS);
  const folders = Math.ceil(count / SMALL_PER_FOLDER);
  const workload = `${count} files of 1–16 KiB, ${formatSize(tree.bytes)}, in ${folders} folder${folders === 1 ? '' : 's'}`;
  ctx.log(`many small files, ${workload}`);

  const closers: (() => Promise<unknown>)[] = [];
  // Row slots in table order: a spec to measure, or a row already decided (skipped, failed to start).
  const slots: (MeasureSpec | Row)[] = [];
  try {
    const ferryTools = transfers.map(ferryTool);
    const ferry = await openPeer(ctx, ferryTools, [], () => startFerry(ctx, share));
    if ('rows' in ferry) slots.push(...ferry.rows);
    else {
      closers.push(() => ferry.server.close());
      for (const n of transfers) {
        slots.push(
          treeSpec(ctx, ferryTool(n), ferryTreeDownloader(ctx, ferry.server, FOLDER, n, timeoutMs), tree, {
            ferry: true,
            note: `${n === DEFAULT_TRANSFERS ? 'the default; ' : ''}--recursive --no-cache; every file verified, on disk before it is named (a syncfs a batch on Linux), its time kept`,
            checkOutput: (r) => checkFerryTree(tree, FOLDER, r),
          }),
        );
      }
    }

    const rsyncTools = [RSYNC, 'rsync daemon, -rt'];
    const rsync = await openPeer(ctx, rsyncTools, rsyncNeeds, () => startRsyncd(ctx.work, share));
    if ('rows' in rsync) slots.push(...rsync.rows);
    else {
      closers.push(() => rsync.server.close());
      slots.push(
        treeSpec(ctx, RSYNC, rsyncTreeDownloader(rsync.server, FOLDER, ['-r'], timeoutMs), tree, { note: 'times not kept; no fsync' }),
        treeSpec(ctx, 'rsync daemon, -rt', rsyncTreeDownloader(rsync.server, FOLDER, ['-rt'], timeoutMs), tree, {
          note: 'keeps modification times, as ferry does; no fsync',
        }),
      );
    }

    const scpTool = 'scp -r, aes128-gcm';
    const sshd = await openPeer(ctx, [scpTool], sshNeeds, () => startSshd(ctx.work));
    if ('rows' in sshd) slots.push(...sshd.rows);
    else {
      closers.push(() => sshd.server.close());
      slots.push(
        treeSpec(ctx, scpTool, scpTreeDownloader(sshd.server, tree.root, timeoutMs, 'aes128-gcm@openssh.com'), tree, {
          note: 'sftp protocol (-s); times not kept (no -p); no fsync',
        }),
      );
    }

    const isSpec = (s: MeasureSpec | Row): s is MeasureSpec => 'once' in s;
    const measured = await measureAlternating(ctx, slots.filter(isSpec));
    let k = 0;
    const rows = slots.map((s) => (isSpec(s) ? measured[k++]! : s));
    const c = finishCase({ id: 'small', title: 'Many small files', workload, unit: 'files/s' }, rows, count);
    noteAgainstDefault(c, DEFAULT_TRANSFERS);
    peerTarget(c, RSYNC, SMALL_RSYNC_TARGET);
    return c;
  } finally {
    for (const close of closers) await close();
  }
}

/** Each other --transfers row says how its median compares with the default's, the figure the default is chosen by. */
function noteAgainstDefault(c: CaseResult, fallback: number): void {
  const base = c.rows.find((r) => r.tool === ferryTool(fallback))?.summary?.median;
  if (base === undefined) return;
  for (const row of c.rows) {
    if (!row.ferry || row.tool === ferryTool(fallback) || !row.summary) continue;
    const says = `${(row.summary.median / base).toFixed(2)}× the default's time`;
    row.note = row.note ? `${row.note}; ${says}` : says;
  }
}
