// The run loop every case shares: warm-up, then timed runs, each output
// checked before its time is counted. A run that fails or produces the wrong
// bytes ends the row with an honest note instead of a number.

import { spawnSync } from 'node:child_process';
import { failure, type RunResult } from './proc.js';
import { mbPerSecond, summarize } from './stats.js';
import type { BenchContext, CaseResult, Row } from './types.js';

export interface MeasureSpec {
  tool: string;
  ferry?: boolean;
  note?: string;
  /** Untimed preparation before every run (fresh destination, fresh server...). */
  before?: () => Promise<void>;
  /** The timed part: one whole client process. */
  once: () => Promise<RunResult>;
  /** Check a finished run; returns what is wrong, or undefined when the output is right. */
  check: (r: RunResult) => Promise<string | undefined>;
  /** Untimed clean-up after every run (delete the output, stop a per-run server). */
  after?: () => Promise<void>;
  /** Recognise "this feature does not exist yet" so the row says so instead of "failed". */
  unavailable?: (r: RunResult) => string | undefined;
  /** Extra detail for a failed run, e.g. how much of the file had arrived. */
  explain?: (r: RunResult) => Promise<string>;
  /**
   * Stop repeating once this many seconds have gone on the row (after at
   * least one timed run), so one very slow peer cannot eat the whole bench.
   */
  budgetSeconds?: number;
}

/**
 * Flush dirty pages before a timed run, untimed, so one tool's write-back
 * does not land inside the next tool's measurement.
 */
export function settle(): void {
  spawnSync('sync', { stdio: 'ignore' });
}

export async function measure(ctx: BenchContext, spec: MeasureSpec): Promise<Row> {
  const { warmup, runs } = ctx.options;
  let row = startRow(spec);
  const started = Date.now();
  for (let i = 0; i < warmup + runs; i++) {
    if (spec.budgetSeconds !== undefined && row.seconds.length > 0 && (Date.now() - started) / 1000 > spec.budgetSeconds) {
      const cut = `${row.seconds.length} of ${runs} runs (time budget ${spec.budgetSeconds} s)`;
      row.note = row.note ? `${row.note}; ${cut}` : cut;
      break;
    }
    row = await step(ctx, spec, row, i);
    if (row.status !== 'ok') return row;
  }
  return { ...row, summary: summarize(row.seconds) };
}

/**
 * Several rows measured in turn within every run (A, B, A, B...) rather than
 * one after the other, so load that drifts during the case lands on all of
 * them alike: for rows whose ratio is the result (cold ÷ warm, resumed ÷
 * whole). A row that fails stops; the others go on.
 */
export async function measureAlternating(ctx: BenchContext, specs: readonly MeasureSpec[]): Promise<Row[]> {
  const { warmup, runs } = ctx.options;
  const rows = specs.map(startRow);
  for (let i = 0; i < warmup + runs; i++) {
    for (let k = 0; k < specs.length; k++) if (rows[k]!.status === 'ok') rows[k] = await step(ctx, specs[k]!, rows[k]!, i);
    if (rows.every((r) => r.status !== 'ok')) break;
  }
  return rows.map((r) => (r.status === 'ok' ? { ...r, summary: summarize(r.seconds) } : r));
}

function startRow(spec: MeasureSpec): Row {
  return { tool: spec.tool, ferry: spec.ferry ?? false, status: 'ok', seconds: [], ...(spec.note ? { note: spec.note } : {}) };
}

/** Run `i` (warm-up while i < warmup) of one row: the row with its time added, or ended with why. */
async function step(ctx: BenchContext, spec: MeasureSpec, row: Row, i: number): Promise<Row> {
  const { warmup, runs } = ctx.options;
  const warm = i < warmup;
  const which = warm ? 'warm-up' : `run ${i - warmup + 1} of ${runs}`;
  try {
    await spec.before?.();
  } catch (err) {
    await spec.after?.();
    const note = `${which}: could not prepare: ${err instanceof Error ? err.message : String(err)}`;
    ctx.log(`  ${spec.tool}: ${note}`);
    return { ...row, status: 'failed', note };
  }
  settle();
  let r: RunResult;
  try {
    r = await spec.once();
  } catch (err) {
    await spec.after?.();
    return { ...row, status: 'failed', note: `could not start: ${err instanceof Error ? err.message : String(err)}` };
  }
  const missing = spec.unavailable?.(r);
  let wrong = missing ? undefined : r.code === 0 && !r.timedOut ? await spec.check(r) : failure(r);
  if (wrong && spec.explain) wrong = `${wrong} ${await spec.explain(r)}`.trim();
  await spec.after?.();
  if (missing) {
    ctx.log(`  ${spec.tool}: not available (${missing})`);
    return { ...row, status: 'not available', note: missing, seconds: [] };
  }
  if (wrong) {
    ctx.log(`  ${spec.tool}: ${which} failed: ${wrong}`);
    return { ...row, status: 'failed', note: `${which}: ${wrong}` };
  }
  ctx.log(`  ${spec.tool}: ${warm ? 'warm-up' : `run ${i - warmup + 1}/${runs}`} ${r.seconds.toFixed(3)} s`);
  return warm ? row : { ...row, seconds: [...row.seconds, r.seconds] };
}

/** A row for a peer that is not installed: say how to get it. */
export function skipped(tool: string, missing: readonly { program: string; pkg: string }[]): Row {
  const programs = missing.map((m) => m.program).join(', ');
  const pkgs = [...new Set(missing.map((m) => m.pkg))].join(' ');
  return { tool, ferry: false, status: 'skipped', note: `${programs} not installed (Debian: sudo apt-get install -y ${pkgs})`, seconds: [] };
}

/**
 * Fill in rates and the comparison with ferry. `amount` is what one run
 * moves: bytes for MB/s, files for files/s.
 */
export function finishCase(c: Omit<CaseResult, 'rows'>, rows: Row[], amount: number): CaseResult {
  const rate = (seconds: number) => (c.unit === 'MB/s' ? mbPerSecond(amount, seconds) : amount / seconds);
  for (const row of rows) if (row.summary) row.rate = rate(row.summary.median);
  const ferry = rows.find((r) => r.ferry && r.summary);
  for (const row of rows) if (ferry?.summary && row.summary) row.ferryTimes = row.summary.median / ferry.summary.median;
  return { ...c, rows };
}
