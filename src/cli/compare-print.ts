// How `ferry compare` and `ferry sync` look: differences grouped by kind with
// counts and sizes, a sync's plan one action a line; --json one object a line
// (JSON Lines), so a huge tree streams into jq without a closing bracket to
// wait for.

import { CATEGORY_TEXT, type Category, type CompareSummary, type Difference, type SideState } from '../client/compare.js';
import type { PlanTotals, SyncAction } from '../client/sync-plan.js';
import { formatBytes, plural } from '../format.js';
import { printable } from './table.js';

/** Kinds in the order they are shown; identical paths are counted, not listed. */
const ORDER: Category[] = ['differs', 'time', 'remote-only', 'local-only', 'type', 'unreadable'];

function sideJson(s: SideState | undefined): Record<string, unknown> | null {
  if (!s) return null;
  return {
    type: s.type,
    size: s.size,
    mtime: new Date(s.mtimeMs).toISOString(),
    ...(s.blake3 ? { blake3: s.blake3 } : {}),
    ...(s.error ? { error: s.error } : {}),
  };
}

export function differenceJson(d: Difference): string {
  return JSON.stringify({ path: d.path, status: d.category, server: sideJson(d.remote), local: sideJson(d.local), ...(d.caseOf ? { caseOf: d.caseOf } : {}) });
}

function shown(d: Difference): string {
  const dir = (d.remote ?? d.local)?.type === 'dir' && d.category !== 'type' ? '/' : '';
  const note = d.caseOf ? `  (the other side has ${printable(d.caseOf)}: the name differs in case only)` : '';
  const error = d.category === 'unreadable' ? `  (${d.local?.error ?? d.remote?.error ?? 'cannot be read'})` : '';
  return `  ${printable(d.path)}${dir}${note}${error}`;
}

/** Groups with their counts, then one summary line. */
export function compareLines(diffs: readonly Difference[], summary: CompareSummary): string[] {
  const lines: string[] = [];
  for (const c of ORDER) {
    const group = diffs.filter((d) => d.category === c);
    if (group.length === 0) continue;
    const { entries, bytes } = summary.counts[c];
    lines.push(`${CATEGORY_TEXT[c]}: ${plural(entries, 'path')}, ${formatBytes(bytes)}`);
    for (const d of group) lines.push(shown(d));
  }
  const same = summary.counts.identical;
  const files = diffs.filter((d) => d.category === 'identical' && d.remote?.type === 'file').length;
  const differing = diffs.length - same.entries;
  lines.push(
    differing === 0
      ? `identical: ${plural(files, 'file')}, ${formatBytes(same.bytes)}, and ${plural(same.entries - files, 'folder')}`
      : `${plural(differing, 'path')} differ; ${plural(files, 'file')} (${formatBytes(same.bytes)}) identical`,
  );
  return lines;
}

const VERB: Record<SyncAction['kind'], string> = { copy: 'copy', mkdir: 'mkdir', touch: 'time', delete: 'delete', skip: 'skip' };

export function actionLine(a: SyncAction, pull: boolean): string {
  const verb = a.kind === 'copy' ? (pull ? 'download' : 'upload') : VERB[a.kind];
  const size = a.kind === 'copy' || (a.kind === 'delete' && a.type === 'file') ? `  ${formatBytes(a.size)}` : '';
  const why = a.kind === 'copy' || a.kind === 'skip' ? `  (${a.why})` : '';
  const dir = (a.kind === 'delete' && a.type === 'dir') || a.kind === 'mkdir' ? '/' : '';
  return `${verb.padEnd(8)} ${printable(a.path)}${dir}${size}${why}`;
}

export function actionJson(a: SyncAction, outcome?: { ok: boolean; error?: string }): string {
  return JSON.stringify({ ...a, ...(outcome ? { ok: outcome.ok, ...(outcome.error ? { error: outcome.error } : {}) } : {}) });
}

export function totalsLine(t: PlanTotals, pull: boolean, dryRun: boolean): string {
  const parts = [
    `${plural(t.copies, pull ? 'download' : 'upload')} (${formatBytes(t.copyBytes)})`,
    ...(t.deletes ? [plural(t.deletes, 'deletion')] : []),
    ...(t.folders ? [plural(t.folders, 'new folder')] : []),
    ...(t.touches ? [plural(t.touches, 'time', 'times') + ' set'] : []),
    ...(t.conflicts ? [plural(t.conflicts, 'conflict') + ' left alone'] : []),
    ...(t.errors ? [plural(t.errors, 'unreadable path')] : []),
  ];
  return `${dryRun ? 'would do' : 'plan'}: ${parts.join(', ')}`;
}
