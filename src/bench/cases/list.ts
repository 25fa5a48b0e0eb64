// `ferry index longlist` against `find -printf` over the same many small
// files: both walk the tree and stat every entry; ferry also sends the listing
// over its protocol and prints it as JSON. Directory entries are warm in the
// kernel's caches for both after the warm-up.

import path from 'node:path';
import { makeListTree, removeData, type Tree } from '../data.js';
import { finishCase, measure, skipped } from '../measure.js';
import { missing, programPath, timeoutFor } from '../peers/common.js';
import { ferryClient, startFerry } from '../peers/ferry.js';
import { run, type RunResult } from '../proc.js';
import type { BenchContext, CaseResult, Row } from '../types.js';
import { peerRow } from './peer-row.js';

function checkFerry(tree: Tree, r: RunResult): string | undefined {
  try {
    const rows = JSON.parse(r.stdout) as { type: string }[];
    const files = rows.filter((x) => x.type === 'file').length;
    return files === tree.files.length ? undefined : `ferry listed ${files} files, expected ${tree.files.length}`;
  } catch {
    return 'ferry printed no JSON result';
  }
}

function checkFind(tree: Tree, r: RunResult): string | undefined {
  // One line per file and folder, plus the starting folder itself.
  const folders = Math.ceil(tree.files.length / 100);
  const lines = r.stdout.split('\n').filter(Boolean).length;
  const expected = tree.files.length + folders + 1;
  return lines === expected ? undefined : `find printed ${lines} lines, expected ${expected}`;
}

export async function listCase(ctx: BenchContext): Promise<CaseResult> {
  const count = ctx.options.listFiles;
  const root = path.join(ctx.work, 'list-share');
  ctx.log(`making ${count} small files`);
  try {
    return await listCaseOn(ctx, await makeListTree(root, count));
  } finally {
    await removeData(ctx.log, root);
  }
}

async function listCaseOn(ctx: BenchContext, tree: Tree): Promise<CaseResult> {
  const root = tree.root;
  const count = tree.files.length;
  const timeoutMs = timeoutFor(0) * 2;
  ctx.log(`index longlist, ${count} files`);

  const ferryRow = await peerRow(
    ctx,
    'ferry index longlist',
    [],
    () => startFerry(ctx, root),
    (server) =>
      measure(ctx, {
        tool: 'ferry index longlist',
        ferry: true,
        note: '--json',
        once: () => ferryClient(ctx, server, ['index', 'longlist'], { timeoutMs, keepStdout: true }),
        check: async (r) => checkFerry(tree, r),
      }),
  );

  const needs = [{ program: 'find', pkg: 'findutils' }];
  const findRow: Row = missing(needs).length
    ? skipped('find', missing(needs))
    : await measure(ctx, {
        tool: 'find -printf',
        note: "'%P %s %T@\\n'",
        once: () => run(programPath('find'), [root, '-printf', '%P %s %T@\\n'], { timeoutMs, keepStdout: true }),
        check: async (r) => checkFind(tree, r),
      });

  return finishCase(
    { id: 'list', title: 'index longlist', workload: `${count} files in ${Math.ceil(count / 100)} folders`, unit: 'files/s' },
    [ferryRow, findRow],
    count,
  );
}
