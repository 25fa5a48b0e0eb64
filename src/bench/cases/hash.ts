// `ferry hash checkall` against md5sum over the same files. Cold: every run
// gets a fresh server with an empty hash index, so ferry reads and hashes
// every byte. Warm: one server, its index filled by the warm-up, so ferry
// answers from the index — the case the index exists for. The page cache is
// warm for both (the files were just written), so neither measures the disk.

import path from 'node:path';
import { makeHashTree, removeData, type Tree } from '../data.js';
import { finishCase, measure } from '../measure.js';
import { missing, programPath, timeoutFor } from '../peers/common.js';
import { ferryClient, startFerry, type FerryServer } from '../peers/ferry.js';
import { run, type RunResult } from '../proc.js';
import { formatSize } from '../table.js';
import type { BenchContext, CaseResult, Row } from '../types.js';
import { peerRow } from './peer-row.js';
import { skipped } from '../measure.js';

/** Compare a path → MD5 listing with the tree's; undefined when they agree. */
function compareDigests(tree: Tree, got: Map<string, string>, who: string): string | undefined {
  if (got.size !== tree.files.length) return `${who} listed ${got.size} files, expected ${tree.files.length}`;
  for (const [rel, md5] of tree.md5) if (got.get(rel) !== md5) return `${who} gave a wrong MD5 for ${rel}`;
  return undefined;
}

function checkFerry(tree: Tree, r: RunResult): string | undefined {
  try {
    const rows = JSON.parse(r.stdout) as { path: string; md5: string }[];
    return compareDigests(tree, new Map(rows.map((x) => [x.path.replace(/^\//, ''), x.md5])), 'ferry');
  } catch {
    return 'ferry printed no JSON result';
  }
}

function checkMd5sum(tree: Tree, r: RunResult): string | undefined {
  const got = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const m = /^([0-9a-f]{32}) [ *](.+)$/.exec(line);
    if (m) got.set(m[2]!, m[1]!);
  }
  return compareDigests(tree, got, 'md5sum');
}

export async function hashCases(ctx: BenchContext): Promise<CaseResult[]> {
  const { hashFiles, hashBytes } = ctx.options;
  const root = path.join(ctx.work, 'hash-share');
  ctx.log(`making ${hashFiles} files, ${formatSize(hashBytes)}`);
  try {
    return await hashCasesOn(ctx, await makeHashTree(root, hashFiles, hashBytes));
  } finally {
    await removeData(ctx.log, root);
  }
}

async function hashCasesOn(ctx: BenchContext, tree: Tree): Promise<CaseResult[]> {
  const root = tree.root;
  const timeoutMs = timeoutFor(tree.bytes);
  const workload = `${tree.files.length} files, ${formatSize(tree.bytes)}`;
  const checkall = (server: FerryServer) => ferryClient(ctx, server, ['hash', 'checkall'], { timeoutMs, keepStdout: true });
  ctx.log(`hash checkall, ${workload}`);

  // Cold: a new server (new, empty index folder) before every run, not timed.
  let cold: FerryServer | undefined;
  const coldRow = await measure(ctx, {
    tool: 'ferry hash checkall, cold',
    ferry: true,
    note: 'fresh server, empty hash index',
    before: async () => {
      cold = await startFerry(ctx, root);
    },
    once: () => checkall(cold!),
    check: async (r) => checkFerry(tree, r),
    after: async () => {
      await cold?.close();
      cold = undefined;
    },
  });

  const warmRow = await peerRow(
    ctx,
    'ferry hash checkall, warm',
    [],
    () => startFerry(ctx, root),
    (server) =>
      measure(ctx, {
        tool: 'ferry hash checkall, warm',
        ferry: true,
        note: 'same server again; index filled by the warm-up',
        once: () => checkall(server),
        check: async (r) => checkFerry(tree, r),
      }),
  );

  const needs = [{ program: 'md5sum', pkg: 'coreutils' }];
  const md5sumRow: Row = missing(needs).length
    ? skipped('md5sum', missing(needs))
    : await measure(ctx, {
        tool: 'md5sum',
        note: 'one process, one core, all files as arguments',
        once: () => run(programPath('md5sum'), ['--', ...tree.files], { cwd: root, timeoutMs, keepStdout: true }),
        check: async (r) => checkMd5sum(tree, r),
      });

  const base = { workload, unit: 'MB/s' as const };
  return [
    finishCase({ id: 'hash-cold', title: 'hash checkall, cold index', ...base }, [coldRow, { ...md5sumRow }], tree.bytes),
    finishCase(
      { id: 'hash-warm', title: 'hash checkall, warm index', ...base },
      // md5sum has no index: its cold and warm are the same runs, shown again for the ratio.
      [warmRow, md5sumRow.summary ? { ...md5sumRow, note: 'the same md5sum runs as above' } : { ...md5sumRow }],
      tree.bytes,
    ),
  ];
}
