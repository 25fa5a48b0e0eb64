// Issue #12's speed targets in the bench: ratios of two medians from one run,
// judged at least or at most, with the verdict in the row's note and under
// the table; and rows measured in turn within every run.

import { describe, expect, it } from 'vitest';
import { measureAlternating } from '../../src/bench/measure.js';
import type { RunResult } from '../../src/bench/proc.js';
import { report } from '../../src/bench/table.js';
import { peerTarget, timeTarget } from '../../src/bench/targets.js';
import type { BenchContext, BenchResults, CaseResult, Row } from '../../src/bench/types.js';

const row = (tool: string, median: number, extra: Partial<Row> = {}): Row => ({
  tool,
  ferry: false,
  status: 'ok',
  seconds: [median],
  summary: { runs: 1, median, min: median, max: median },
  ...extra,
});

const caseOf = (rows: Row[]): CaseResult => ({ id: 'x', title: 'TCP download', workload: 'one 2 GiB file', unit: 'MB/s', rows });

describe('speed targets', () => {
  it('judges a peer ratio as at least the target, and says so in the peer row', () => {
    const c = caseOf([row('ferry', 2, { ferry: true }), row('rsync daemon', 1, { ferryTimes: 0.5, note: '--whole-file' })]);
    const t = peerTarget(c, 'rsync daemon', 1.0);
    expect(t).toMatchObject({ ratio: 0.5, bound: 'min', target: 1, met: false });
    expect(c.rows[1]!.note).toBe('--whole-file; rsync daemon time ÷ ferry time: 0.50× (target ≥ 1.0×: MISSED)');
    expect(peerTarget(c, 'rsync daemon', 0.5).met).toBe(true);
  });

  it('judges two rows of one case as at most the target', () => {
    const c = caseOf([row('warm', 4, { ferry: true }), row('cold', 6, { ferry: true })]);
    expect(timeTarget(c, 'cold', 'warm', 'max', 1.5, 'cold time ÷ warm time')).toMatchObject({ ratio: 1.5, met: true });
    expect(timeTarget(c, 'cold', 'warm', 'max', 1.4, 'cold time ÷ warm time').met).toBe(false);
  });

  it('has no ratio and no verdict when a row failed', () => {
    const c = caseOf([row('warm', 4, { ferry: true }), { tool: 'cold', ferry: true, status: 'failed', seconds: [], note: 'timed out' }]);
    const t = timeTarget(c, 'cold', 'warm', 'max', 1.5, 'cold time ÷ warm time');
    expect(t.ratio).toBeUndefined();
    expect(t.met).toBeUndefined();
    expect(c.rows[1]!.note).toBe('timed out; target ≤ 1.5×: no ratio (a row failed)');
  });

  it('lists every target under the table', () => {
    const c = caseOf([row('warm', 4, { ferry: true }), row('cold', 8, { ferry: true })]);
    timeTarget(c, 'cold', 'warm', 'max', 1.5, 'cold time ÷ warm time');
    const results = {
      machine: { cpu: 'cpu', cores: 2, memoryBytes: 2 ** 30, node: 'v20', kernel: 'Linux', platform: 'linux-x64', load: { start: 0 } },
      ferry: { version: '0.1.0' },
      date: 'now',
      options: { quick: false, warmup: 1, runs: 5 },
      cases: [c],
      elapsed: 60,
    } as unknown as BenchResults;
    const lines = report(results);
    expect(lines).toContain('- TCP download (one 2 GiB file): cold time ÷ warm time: 2.00× (target ≤ 1.5×: MISSED).');
  });
});

describe('measureAlternating', () => {
  const ok = (seconds: number): RunResult => ({ seconds, code: 0, signal: null, stdout: '', stderr: '', peakRss: 0, timedOut: false });
  const ctx = (runs: number): BenchContext => ({
    work: '',
    root: '',
    log: () => {},
    options: { warmup: 1, runs } as BenchContext['options'],
  });

  it('runs the rows in turn within every run and keeps only the timed runs', async () => {
    const order: string[] = [];
    const spec = (tool: string, seconds: number) => ({
      tool,
      once: async () => {
        order.push(tool);
        return ok(seconds);
      },
      check: async () => undefined,
    });
    const rows = await measureAlternating(ctx(2), [spec('a', 1), spec('b', 2)]);
    expect(order).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    expect(rows.map((r) => r.seconds)).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(rows[1]!.summary?.median).toBe(2);
  });

  it('stops a row whose run fails and goes on with the others', async () => {
    let bRuns = 0;
    const rows = await measureAlternating(ctx(2), [
      { tool: 'a', once: async () => ok(1), check: async () => undefined },
      {
        tool: 'b',
        once: async () => ok(1),
        check: async () => (++bRuns === 2 ? 'output differs' : undefined),
      },
    ]);
    expect(rows[0]).toMatchObject({ status: 'ok', seconds: [1, 1] });
    expect(rows[1]).toMatchObject({ status: 'failed', note: 'run 1 of 2: output differs' });
    expect(bRuns).toBe(2);
  });

  it('fails a row whose preparation throws, and still cleans up after it', async () => {
    let cleaned = 0;
    const [r] = await measureAlternating(ctx(1), [
      {
        tool: 'a',
        before: async () => {
          throw new Error('no server');
        },
        once: async () => ok(1),
        check: async () => undefined,
        after: async () => void cleaned++,
      },
    ]);
    expect(r).toMatchObject({ status: 'failed', note: 'warm-up: could not prepare: no server' });
    expect(cleaned).toBe(1);
  });
});
