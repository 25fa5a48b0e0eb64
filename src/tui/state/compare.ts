// The two panes compared (`=`): what the client's compareTrees found, kept
// once and looked up by path, and what each pane row shows for it. Pure: the
// hook (use-compare.ts) runs the comparison, the panes ask here per visible
// row, so 20,000 compared paths cost one array (the comparison's own), a Map
// of references into it and a Set of the folders with differences below:
// no copy per row, per pane or per redraw.

import { type Category, type CompareSummary, type Difference, summarize } from '../../client/compare.js';
import type { Entry } from '../../client/types.js';
import { formatBytes } from '../../format.js';
import { PARENT_NAME } from './pane.js';

export type PaneId = 'local' | 'remote';

/** What one row shows: `=` identical, `≠` content differs (or, on a folder, something below does), `±` same content other time, `+` only on this side. */
export type CompareMark = 'same' | 'differs' | 'below' | 'time' | 'only' | 'type' | 'unreadable';

export const MARK_GLYPH: Record<CompareMark, string> = {
  same: '=',
  differs: '≠',
  below: '≠',
  time: '±',
  only: '+',
  type: '~',
  unreadable: '!',
};

export interface CompareResult {
  /** The folders compared, side-relative as the panes name them. */
  dirs: Record<PaneId, string>;
  diffs: readonly Difference[];
  byPath: ReadonlyMap<string, Difference>;
  /** Folders (compared-root-relative) with anything below them that is not identical. */
  differsBelow: ReadonlySet<string>;
  summary: CompareSummary;
}

export function compareResult(dirs: Record<PaneId, string>, diffs: readonly Difference[]): CompareResult {
  const byPath = new Map<string, Difference>();
  const differsBelow = new Set<string>();
  for (const d of diffs) {
    byPath.set(d.path, d);
    if (d.category === 'identical') continue;
    // Every folder above a difference says so; stop at one already marked (its own parents are).
    for (let i = d.path.lastIndexOf('/'); i > 0; i = d.path.lastIndexOf('/', i - 1)) {
      const folder = d.path.slice(0, i);
      if (differsBelow.has(folder)) break;
      differsBelow.add(folder);
    }
  }
  return { dirs, diffs, byPath, differsBelow, summary: summarize(diffs) };
}

/** `path` relative to the folder `dir` ('' for the folder itself), or null when it is not inside. */
export function relativeTo(dir: string, path: string): string | null {
  if (dir === '') return path;
  if (path === dir) return '';
  return path.startsWith(`${dir}/`) ? path.slice(dir.length + 1) : null;
}

/** A pane's folder is still inside the tree that was compared (its rows can be marked). */
export function insideCompared(r: CompareResult, side: PaneId, paneDir: string): boolean {
  return relativeTo(r.dirs[side], paneDir) !== null;
}

const ONLY_HERE: Record<PaneId, Category> = { local: 'local-only', remote: 'remote-only' };

/** The mark of one pane row, if the comparison covered it. */
export function markOf(r: CompareResult, side: PaneId, e: Pick<Entry, 'path' | 'name' | 'type'>): CompareMark | undefined {
  if (e.name === PARENT_NAME) return undefined;
  const rel = relativeTo(r.dirs[side], e.path);
  if (rel === null || rel === '') return undefined;
  const d = r.byPath.get(rel);
  if (!d) return undefined;
  switch (d.category) {
    case 'identical':
      return e.type === 'dir' && r.differsBelow.has(rel) ? 'below' : 'same';
    case 'differs':
      return 'differs';
    case 'time':
      return 'time';
    case 'type':
      return 'type';
    case 'unreadable':
      return 'unreadable';
    default:
      // A path on one side only has a row on that side only.
      return d.category === ONLY_HERE[side] ? 'only' : undefined;
  }
}

/** "Differences only": what a pane keeps (and '..', to climb back out). */
export function differenceOnly(r: CompareResult, side: PaneId): (e: Entry) => boolean {
  return (e) => {
    if (e.name === PARENT_NAME) return true;
    const m = markOf(r, side, e);
    return m !== undefined && m !== 'same';
  };
}

/** A pane title's counts: `= 412 ≠ 3 ± 1 + 2`, for the rows of that side. */
export function paneCounts(r: CompareResult, side: PaneId): string {
  const c = r.summary.counts;
  const parts = [`= ${c.identical.entries}`, `≠ ${c.differs.entries + c.type.entries}`];
  if (c.time.entries > 0) parts.push(`± ${c.time.entries}`);
  parts.push(`+ ${c[ONLY_HERE[side]].entries}`);
  if (c.unreadable.entries > 0) parts.push(`! ${c.unreadable.entries}`);
  return parts.join('  ');
}

const SUMMARY_ORDER: Array<[Category, string]> = [
  ['identical', '={n} same'],
  ['differs', '≠{n} differ'],
  ['time', '±{n} time'],
  ['remote-only', '+{n} server only'],
  ['local-only', '+{n} here only'],
  ['type', '~{n} file/folder'],
  ['unreadable', '!{n} unreadable'],
];

/** The summary line: counts and bytes per category (the empty ones left out, identical always in). */
export function summaryText(r: CompareResult): string {
  const parts: string[] = [];
  for (const [category, label] of SUMMARY_ORDER) {
    const c = r.summary.counts[category];
    if (c.entries === 0 && category !== 'identical') continue;
    parts.push(`${label.replace('{n}', String(c.entries))} ${formatBytes(c.bytes)}`);
  }
  if (r.summary.exitCode === 0) parts.push('the folders are the same');
  return parts.join(' · ');
}
