// Resume after a cut at half way (issue #12: the resumed download at most
// 0.6× a whole one). Before every timed run, untimed: a `ferry download`
// starts into a fresh folder, the bench polls the size of the partial file
// it writes there, and once that reaches half the source the client is
// killed with SIGKILL: a crash or a pulled plug, which leaves no chance to
// tidy up, and the cut a resume must survive. The timed run is the next
// `ferry download` of the same file into the same folder, which should keep
// what arrived and fetch the rest. Beside it, alternating run by run, a whole
// download from the same server into an empty folder. Both rows per
// transport, TCP and UDP.

import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { measureAlternating } from '../measure.js';
import { timeoutFor } from '../peers/common.js';
import { checkFerryJson, ferryClient, ferryDownloader, ferryUnavailable, startFerry, type FerryServer } from '../peers/ferry.js';
import { failure, type RunResult } from '../proc.js';
import { median, mbPerSecond } from '../stats.js';
import { formatSize } from '../table.js';
import { timeTarget } from '../targets.js';
import type { BenchContext, CaseResult, Row } from '../types.js';
import { downloadSpec, type Source } from './download.js';

const pct = (x: number) => `${Math.round(x * 100)} %`;

/** Issue #12: the resumed download at most this times a whole one. */
export const RESUME_TARGET = 0.6;

/**
 * Bytes held by the partial file a download is writing in `dest`: any entry
 * named after the file other than the file itself and JSON sidecars. The
 * smaller of its size and its allocated blocks, so a .part that is
 * preallocated or written out of order (sparse) is not mistaken for full.
 */
export async function partBytes(dest: string, name: string): Promise<number> {
  let names: string[];
  try {
    names = await fs.readdir(dest);
  } catch {
    return 0;
  }
  let held = 0;
  for (const n of names) {
    if (n === name || n.endsWith('.json') || !n.includes(name)) continue;
    try {
      const st = await fs.stat(path.join(dest, n));
      held = Math.max(held, Math.min(st.size, st.blocks * 512));
    } catch {
      // renamed or removed between readdir and stat
    }
  }
  return held;
}

/**
 * Start a download into `dest` and SIGKILL it once its partial file holds
 * half the source; resolves to the bytes the partial file holds afterwards.
 * Polls every millisecond (a stat of one small folder), so at a few hundred
 * MB/s the cut lands within a megabyte or so of half way.
 */
async function cutAtHalf(ctx: BenchContext, server: FerryServer, src: Source, dest: string, udp: boolean): Promise<number> {
  let child: ChildProcess | undefined;
  let ended = false;
  const first = ferryClient(ctx, server, ['download', src.name, '--dest', dest, '--no-cache', ...(udp ? ['--udp'] : [])], {
    timeoutMs: timeoutFor(src.bytes),
    onSpawn: (c) => {
      child = c;
    },
  });
  const settled = first.then(
    (r) => {
      ended = true;
      return r;
    },
    (err: unknown) => {
      ended = true;
      throw err;
    },
  );
  let killed = false;
  let seen = 0;
  while (!ended) {
    const held = await partBytes(dest, src.name);
    seen = Math.max(seen, held);
    if (held >= src.bytes / 2) {
      killed = child?.kill('SIGKILL') ?? false;
      break;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  const r: RunResult = await settled;
  if (!killed) {
    const missing = ferryUnavailable(r);
    if (missing) throw new Error(missing);
    const how = r.code === 0 ? 'it finished' : failure(r);
    const part = seen > 0 ? `its partial file held ${pct(seen / src.bytes)} when last seen` : 'no partial file appeared in the destination folder';
    throw new Error(`the first attempt ended before half way (${how}; ${part})`);
  }
  return partBytes(dest, src.name);
}

/** The bytes ferry says it kept from the cut attempt (--json `resumedFrom`); undefined when it does not say. */
function resumedFrom(r: RunResult): number | undefined {
  try {
    const j = JSON.parse(r.stdout) as { resumedFrom?: number };
    return typeof j.resumedFrom === 'number' ? j.resumedFrom : undefined;
  } catch {
    return undefined;
  }
}

async function transportRows(ctx: BenchContext, server: FerryServer, src: Source, udp: boolean): Promise<{ rows: Row[]; whole: string; resumed: string }> {
  const timeout = timeoutFor(src.bytes);
  const label = udp ? 'ferry --udp' : 'ferry';
  const whole = `${label}, whole download`;
  const resumed = `${label}, resumed after a cut at half`;
  const d = ferryDownloader(ctx, server, src.name, timeout, udp);
  const cuts: number[] = [];
  const kept: (number | undefined)[] = [];
  const wholeSpec = downloadSpec(ctx, whole, () => d, src, {
    ferry: true,
    note: '--no-cache; into an empty folder',
    checkOutput: (r) => checkFerryJson(r, src.md5),
    unavailable: ferryUnavailable,
  });
  const resumedSpec = downloadSpec(ctx, resumed, () => d, src, {
    ferry: true,
    note: '--no-cache; timed: the run after the cut, into the same folder',
    checkOutput: (r) => {
      const wrong = checkFerryJson(r, src.md5);
      if (!wrong) {
        const from = resumedFrom(r);
        kept.push(from === undefined ? undefined : from / src.bytes);
      }
      return wrong;
    },
    unavailable: ferryUnavailable,
  });
  const rows = await measureAlternating(ctx, [
    wholeSpec,
    {
      ...resumedSpec,
      before: async () => {
        await resumedSpec.before?.();
        cuts.push((await cutAtHalf(ctx, server, src, resumedSpec.dest(), udp)) / src.bytes);
      },
    },
  ]);
  for (const row of rows) if (row.summary) row.rate = mbPerSecond(src.bytes, row.summary.median);
  const row = rows[1]!;
  // The warm-up's cut and resume are in the arrays too; only the timed runs count.
  const { runs } = ctx.options;
  if (row.summary) {
    // ferry's --json has resumedFrom only when it kept something.
    const said = kept.slice(-runs).map((k) => k ?? 0);
    const keptText = kept.slice(-runs).some((k) => k !== undefined)
      ? `ferry kept a median ${pct(median(said))}`
      : 'ferry kept nothing (no resumedFrom in its --json)';
    row.note = `${row.note}; killed (SIGKILL) with a median ${pct(median(cuts.slice(-runs)))} of the file in the partial file, ${keptText}`;
  }
  return { rows, whole, resumed };
}

export async function resumeCase(ctx: BenchContext, src: Source): Promise<CaseResult> {
  const c: Omit<CaseResult, 'rows'> = {
    id: 'resume',
    title: 'Resume after a cut at half way',
    workload: `one ${formatSize(src.bytes)} file`,
    unit: 'MB/s',
  };
  ctx.log(`resume after a cut at half way, ${formatSize(src.bytes)}`);
  let server: FerryServer;
  try {
    server = await startFerry(ctx, src.dir);
  } catch (err) {
    const note = `ferry serve did not start: ${err instanceof Error ? err.message : String(err)}`;
    return { ...c, rows: [{ tool: 'ferry', ferry: true, status: 'failed', note, seconds: [] }] };
  }
  try {
    const tcp = await transportRows(ctx, server, src, false);
    const udp = await transportRows(ctx, server, src, true);
    const result: CaseResult = { ...c, rows: [...tcp.rows, ...udp.rows] };
    for (const [t, how] of [
      [tcp, 'TCP'],
      [udp, 'UDP'],
    ] as const) {
      timeTarget(result, t.resumed, t.whole, 'max', RESUME_TARGET, `${how} resumed time ÷ whole-download time`);
    }
    return result;
  } finally {
    await server.close();
  }
}
