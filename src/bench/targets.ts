// Speed targets (issue #12) stated as ratios of two rows' median times in the
// same run, so load on a shared machine lands on both sides alike. A verdict
// goes into the note of the row it is about and into a line under the table.

import type { CaseResult, Row, Target } from './types.js';

const rowOf = (c: CaseResult, tool: string): Row | undefined => c.rows.find((r) => r.tool === tool);

/** "≥ 0.9×" or "≤ 1.5×". */
const boundText = (t: Pick<Target, 'bound' | 'target'>) => `${t.bound === 'min' ? '≥' : '≤'} ${Number.isInteger(t.target) ? t.target.toFixed(1) : t.target}×`;

/** The verdict as a row note ends with it: "target ≥ 1.0×: met". */
export function verdictText(t: Target): string {
  return `target ${boundText(t)}: ${t.ratio === undefined ? 'no ratio (a row failed)' : t.met ? 'met' : 'MISSED'}`;
}

function add(c: CaseResult, t: Omit<Target, 'met'>): Target {
  const target: Target = t.ratio === undefined ? { ...t } : { ...t, met: t.bound === 'min' ? t.ratio >= t.target : t.ratio <= t.target };
  const row = rowOf(c, t.tool);
  if (row) {
    const says = t.ratio === undefined ? verdictText(target) : `${t.what}: ${t.ratio.toFixed(2)}× (${verdictText(target)})`;
    row.note = row.note ? `${row.note}; ${says}` : says;
  }
  c.targets = [...(c.targets ?? []), target];
  return target;
}

/**
 * ferry against a peer: the peer's median time ÷ ferry's (the table's "ferry
 * faster ×"), at least `target`.
 */
export function peerTarget(c: CaseResult, tool: string, target: number): Target {
  return add(c, { what: `${tool} time ÷ ferry time`, tool, ratio: rowOf(c, tool)?.ferryTimes, bound: 'min', target });
}

/** Two rows of the same case: `tool`'s median time ÷ `base`'s (`what` says so in words), within `bound` of `target`. */
export function timeTarget(c: CaseResult, tool: string, base: string, bound: Target['bound'], target: number, what: string): Target {
  const a = rowOf(c, tool)?.summary?.median;
  const b = rowOf(c, base)?.summary?.median;
  const ratio = a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
  return add(c, { what, tool, ratio, bound, target });
}

/** One sentence per target, for under the table. */
export function targetLines(c: CaseResult): string[] {
  return (c.targets ?? []).map((t) => {
    const ratio = t.ratio === undefined ? 'no ratio' : `${t.ratio.toFixed(2)}×`;
    return `${c.title} (${c.workload}): ${t.what}: ${ratio} (${verdictText(t)}).`;
  });
}

/**
 * Issue #15's targets for comparing and syncing a tree of 10,000 files
 * (cases/compare.ts), each as "peer time ÷ ferry time, at least": a warm
 * compare reads nothing, so it should beat rsync -rcn (which reads every byte
 * on both sides) by half again and be within twice rsync -rn (which reads no
 * content at all); a compare whose local index is cold reads the local side
 * once and should still match rsync -rcn; a sync of the changes should match
 * rsync -rc applying them.
 */
export const COMPARE_TARGETS = { warmVsRsyncRcn: 1.5, warmVsRsyncRn: 0.5, coldVsRsyncRcn: 1.0, syncVsRsyncRc: 1.0 } as const;
