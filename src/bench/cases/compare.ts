// Compare and sync (issue #15): a tree of 10,000 files, 1 GiB (--quick 2,000
// files, 128 MiB), served by ferry and by an rsync daemon, against a local
// copy that differs from it by 1 % changed (same size and time: only content
// tells), 1 % the server has and the copy lacks, and 1 % the copy has and the
// server lacks. Page cache warm throughout.
//
// Compare rows, taking turns within every run:
//   ferry compare, both indexes warm (the server's and the local one);
//   rsync -rcni (xxh128 on both sides, every byte read) and rsync -rni (size
//   and time only: it cannot see the 1 % changed) against the daemon;
//   ferry compare with the local index removed before each run (the server's
//   stays warm): every local file of the server's size is read and hashed.
// Sync rows, the copy put back into its differing state (untimed) before
// each run: `ferry sync --delete --no-trash --overwrite` against
// `rsync -rc --delete`. Each output is checked: compare's counts, and after a
// sync every changed and added file has the server's MD5 and every extra one
// is gone.

import { createHash, randomFillSync } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { removeData, type Tree, makeHashTree } from '../data.js';
import { finishCase, measureAlternating, type MeasureSpec } from '../measure.js';
import { programPath, timeoutFor } from '../peers/common.js';
import { ferryBin, startFerry, type FerryServer } from '../peers/ferry.js';
import { type Rsyncd, rsyncNeeds, startRsyncd } from '../peers/rsync.js';
import { run, type RunResult } from '../proc.js';
import { formatSize } from '../table.js';
import { COMPARE_TARGETS, peerTarget, timeTarget } from '../targets.js';
import type { BenchContext, CaseResult, Row } from '../types.js';
import { openPeer } from './peer-row.js';

const FOLDER = 'tree';
const FERRY_WARM = 'ferry compare, both indexes warm';
const FERRY_COLD = 'ferry compare, local index cold';
const RSYNC_RCN = 'rsync daemon, -rcn';
const RSYNC_RN = 'rsync daemon, -rn';
const FERRY_SYNC = 'ferry sync --delete';
const RSYNC_RC = 'rsync daemon, -rc --delete';

interface Plan {
  /** The server's tree. */
  tree: Tree;
  /** The local copy's folder. */
  local: string;
  /** Files whose content the copy changes, with the changed content and the original time. */
  changed: Map<string, { content: Buffer; mtime: Date }>;
  /** Files the copy lacks. */
  added: string[];
  /** Files only the copy has, with their content. */
  extra: Map<string, Buffer>;
}

export async function compareCases(ctx: BenchContext): Promise<CaseResult[]> {
  const count = ctx.options.quick ? 2_000 : 10_000;
  const bytes = ctx.options.quick ? 128 * 2 ** 20 : 2 ** 30;
  const share = path.join(ctx.work, 'compare-share');
  const local = path.join(ctx.work, 'compare-local');
  ctx.log(`making ${count} files, ${formatSize(bytes)}, and a copy that differs by 1 % each way`);
  try {
    const tree = await makeHashTree(path.join(share, FOLDER), count, bytes);
    const plan = await makeCopy(tree, local);
    return await compareCasesOn(ctx, share, plan);
  } finally {
    await removeData(ctx.log, share);
    await removeData(ctx.log, local);
  }
}

/** The local copy: every file with its time (cp -a), then the 1 % of each kind of difference. */
async function makeCopy(tree: Tree, local: string): Promise<Plan> {
  const cp = await run('cp', ['-a', tree.root, local], { timeoutMs: timeoutFor(tree.bytes) * 2 });
  if (cp.code !== 0) throw new Error(`cp -a failed: ${cp.stderr.trim()}`);
  const pool = randomFillSync(Buffer.allocUnsafe(4 * 2 ** 20));
  const plan: Plan = { tree, local, changed: new Map(), added: [], extra: new Map() };
  for (let i = 0; i < tree.files.length; i++) {
    const rel = tree.files[i]!;
    if (i % 100 === 1) {
      const st = await fs.stat(path.join(local, rel));
      const offset = (i * 7919) % Math.max(1, pool.length - st.size);
      plan.changed.set(rel, { content: Buffer.from(pool.subarray(offset, offset + st.size)), mtime: st.mtime });
    } else if (i % 100 === 2) plan.added.push(rel);
    else if (i % 100 === 3) {
      const size = Math.floor(tree.bytes / tree.files.length);
      const offset = (i * 104_729) % Math.max(1, pool.length - size);
      plan.extra.set(rel.replace(/\.bin$/, '-extra.bin'), pool.subarray(offset, offset + size));
    }
  }
  await putBack(plan);
  return plan;
}

/** Put the copy into its differing state again (after a sync made it like the server). */
async function putBack(plan: Plan): Promise<void> {
  for (const [rel, c] of plan.changed) {
    const abs = path.join(plan.local, rel);
    await fs.writeFile(abs, c.content);
    await fs.utimes(abs, c.mtime, c.mtime);
  }
  for (const rel of plan.added) await fs.rm(path.join(plan.local, rel), { force: true });
  for (const [rel, content] of plan.extra) await fs.writeFile(path.join(plan.local, rel), content);
}

/** After a sync: the changed and added files are the server's, the extra ones gone. */
async function checkSynced(plan: Plan): Promise<string | undefined> {
  for (const rel of [...plan.changed.keys(), ...plan.added]) {
    const data = await fs.readFile(path.join(plan.local, rel)).catch(() => undefined);
    if (!data) return `${rel} is missing after the sync`;
    if (createHash('md5').update(data).digest('hex') !== plan.tree.md5.get(rel)) return `${rel} is not the server's after the sync`;
  }
  for (const rel of plan.extra.keys()) {
    if (await fs.stat(path.join(plan.local, rel)).catch(() => undefined)) return `${rel} is still there after the sync`;
  }
  return undefined;
}

/** ferry compare's summary must count the planted differences exactly. */
function checkCompare(plan: Plan, r: RunResult): string | undefined {
  const count = (what: string) => Number(new RegExp(`^${what}: (\\d+) path`, 'm').exec(r.stdout)?.[1] ?? 0);
  const got = [count('content differs'), count('only on the server'), count('only here')];
  const want = [plan.changed.size, plan.added.length, plan.extra.size];
  return got.join() === want.join() ? undefined : `ferry compare found ${got.join('/')} (changed/added/extra), planted ${want.join('/')}`;
}

/** rsync -i lists a file to send with '>f'; at least the files it can see must be there. */
function checkRsync(r: RunResult, atLeast: number): string | undefined {
  const files = r.stdout.split('\n').filter((l) => l.startsWith('>f')).length;
  return files >= atLeast ? undefined : `rsync listed ${files} files to send, expected at least ${atLeast}`;
}

/** compare exits 1 when the trees differ (as diff does): that is this workload's success. */
const differs = (r: RunResult): RunResult => (r.code === 1 ? { ...r, code: 0 } : r);

async function compareCasesOn(ctx: BenchContext, share: string, plan: Plan): Promise<CaseResult[]> {
  const { tree, local } = plan;
  const timeoutMs = timeoutFor(tree.bytes) * 2;
  const workload = `${tree.files.length} files, ${formatSize(tree.bytes)}; 1 % changed (same size and time), 1 % added, 1 % removed`;
  const rsyncPath = programPath('rsync');
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const ferry = await openPeer(ctx, [FERRY_WARM, FERRY_COLD, FERRY_SYNC], [], () => startFerry(ctx, share));
    const rsync = await openPeer(ctx, [RSYNC_RCN, RSYNC_RN, RSYNC_RC], rsyncNeeds, () => startRsyncd(ctx.work, share));
    if ('server' in ferry) closers.push(() => ferry.server.close());
    if ('server' in rsync) closers.push(() => rsync.server.close());
    const ferryRun = (server: FerryServer, args: string[]) =>
      run(process.execPath, [ferryBin(ctx), ...args, '--server', server.address], { env: server.env, timeoutMs, keepStdout: true });
    const rsyncRun = (daemon: Rsyncd, flags: string[]) =>
      run(rsyncPath, [...flags, `rsync://127.0.0.1:${daemon.port}/bench/${FOLDER}/`, `${local}/`], { timeoutMs, keepStdout: true });
    const localIndex = (server: FerryServer) => path.join(server.env.XDG_CACHE_HOME!, 'ferry', 'local-hash-index.jsonl');

    const compareSlots: (MeasureSpec | Row)[] = [];
    const syncSlots: (MeasureSpec | Row)[] = [];
    if ('rows' in ferry) {
      compareSlots.push(ferry.rows[0]!, ferry.rows[1]!);
      syncSlots.push(ferry.rows[2]!);
    } else {
      const s = ferry.server;
      const compare = async () => differs(await ferryRun(s, ['compare', FOLDER, local]));
      compareSlots.push(
        { tool: FERRY_WARM, ferry: true, note: 'the warm-up run fills both indexes', once: compare, check: async (r) => checkCompare(plan, r) },
        {
          tool: FERRY_COLD,
          ferry: true,
          note: "local index removed before each run (the server's warm): every local file of the server's size read and hashed",
          before: () => fs.rm(localIndex(s), { force: true }),
          once: compare,
          check: async (r) => checkCompare(plan, r),
        },
      );
      syncSlots.push({
        tool: FERRY_SYNC,
        ferry: true,
        note: '--no-trash --overwrite --no-cache; every file verified, its time kept',
        before: () => putBack(plan),
        once: () => ferryRun(s, ['sync', FOLDER, local, '--delete', '--no-trash', '--overwrite', '--no-cache']),
        check: () => checkSynced(plan),
      });
    }
    if ('rows' in rsync) {
      compareSlots.splice(1, 0, rsync.rows[0]!, rsync.rows[1]!);
      syncSlots.push(rsync.rows[2]!);
    } else {
      const d = rsync.server;
      compareSlots.splice(
        1,
        0,
        {
          tool: RSYNC_RCN,
          note: 'xxh128 of every byte on both sides; -i lists what would be sent',
          once: () => rsyncRun(d, ['-rcni']),
          check: async (r) => checkRsync(r, plan.changed.size + plan.added.length),
        },
        {
          tool: RSYNC_RN,
          note: 'size and time only: the 1 % changed go unseen',
          once: () => rsyncRun(d, ['-rni']),
          check: async (r) => checkRsync(r, plan.added.length),
        },
      );
      syncSlots.push({
        tool: RSYNC_RC,
        note: 'times not kept (no -t); no fsync',
        before: () => putBack(plan),
        once: () => rsyncRun(d, ['-rc', '--delete']),
        check: () => checkSynced(plan),
      });
    }

    const isSpec = (s: MeasureSpec | Row): s is MeasureSpec => 'once' in s;
    const measure = async (slots: (MeasureSpec | Row)[]) => {
      const measured = await measureAlternating(ctx, slots.filter(isSpec));
      let k = 0;
      return slots.map((s) => (isSpec(s) ? measured[k++]! : s));
    };
    ctx.log(`compare, ${workload}`);
    const compareCase = finishCase({ id: 'compare', title: 'Compare a tree', workload, unit: 'files/s' }, await measure(compareSlots), tree.files.length);
    peerTarget(compareCase, RSYNC_RCN, COMPARE_TARGETS.warmVsRsyncRcn);
    timeTarget(compareCase, FERRY_WARM, RSYNC_RN, 'max', 1 / COMPARE_TARGETS.warmVsRsyncRn, 'ferry warm time ÷ rsync -rn time');
    timeTarget(compareCase, FERRY_COLD, RSYNC_RCN, 'max', 1 / COMPARE_TARGETS.coldVsRsyncRcn, 'ferry cold time ÷ rsync -rcn time');
    ctx.log(`sync, ${workload}`);
    const syncCase = finishCase({ id: 'sync', title: 'Sync the changes', workload, unit: 'files/s' }, await measure(syncSlots), tree.files.length);
    peerTarget(syncCase, RSYNC_RC, COMPARE_TARGETS.syncVsRsyncRc);
    return [compareCase, syncCase];
  } finally {
    for (const close of closers) await close();
  }
}
