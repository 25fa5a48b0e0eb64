// Many clients at once: N `ferry download` processes started together against
// one `ferry serve`, beside a single client alone, on the same file and the
// same warm server. The question is whether the server shares itself out or
// serialises: the N clients' aggregate throughput should be at least 0.8× a
// single stream's.
//
// One source file, not N distinct ones: every client then reads the same
// bytes from the same warm hash-index entry and the same page-cache pages as
// the single client, so the ratio measures concurrency alone, not N cold
// index entries or N times the page cache (and the source stays 32 MiB).
//
// The single run and the batch alternate within every timed run, so drifting
// load on the machine lands on both alike.

import fs from 'node:fs/promises';
import path from 'node:path';
import { md5File, sizeOf } from '../data.js';
import { settle } from '../measure.js';
import { timeoutFor } from '../peers/common.js';
import { checkFerryJson, ferryDownloader, startFerry, type FerryServer } from '../peers/ferry.js';
import { failure, type RunResult } from '../proc.js';
import { mbPerSecond, summarize } from '../stats.js';
import { formatSize } from '../table.js';
import type { BenchContext, CaseResult, Row } from '../types.js';
import type { Source } from './download.js';

/** The requirement: N clients' aggregate at least this times one client's. */
export const CONCURRENT_TARGET = 0.8;

let batchSerial = 0;

interface Batch {
  /** First spawn to last exit, seconds. */
  seconds: number;
  /** What was wrong with any client, or undefined when every output is right. */
  wrong?: string;
}

/**
 * Start `clients` downloads at once, each into its own fresh folder; time from
 * the first spawn to the last exit; then check every output (untimed) by size
 * and MD5 against the source, and ferry's own `--json` verdict.
 */
async function batch(ctx: BenchContext, server: FerryServer, src: Source, clients: number): Promise<Batch> {
  const base = path.join(ctx.work, 'dest', `concurrent-${++batchSerial}`);
  const dests = Array.from({ length: clients }, (_, i) => path.join(base, String(i)));
  await Promise.all(dests.map((d) => fs.mkdir(d, { recursive: true })));
  // The whole batch moves clients × bytes; give every client the batch's timeout.
  const d = ferryDownloader(ctx, server, src.name, timeoutFor(clients * src.bytes));
  try {
    settle();
    const started = process.hrtime.bigint();
    const results = await Promise.allSettled(dests.map((dest) => d.fetch(dest)));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const problems: string[] = [];
    for (let i = 0; i < clients; i++) {
      const who = clients > 1 ? `client ${i + 1} of ${clients}: ` : '';
      const settled = results[i]!;
      if (settled.status === 'rejected') {
        problems.push(`${who}could not start: ${settled.reason instanceof Error ? settled.reason.message : String(settled.reason)}`);
        continue;
      }
      const wrong = await checkClient(settled.value, d.output(dests[i]!), src);
      if (wrong) problems.push(`${who}${wrong}`);
    }
    if (problems.length === 0) return { seconds };
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more client${problems.length > 2 ? 's' : ''} failed)` : '';
    return { seconds, wrong: `${problems[0]}${more}` };
  } finally {
    // Remove the outputs at once: the page cache should hold the source, not old copies.
    await fs.rm(base, { recursive: true, force: true });
  }
}

async function checkClient(r: RunResult, out: string, src: Source): Promise<string | undefined> {
  const size = await sizeOf(out);
  const arrived = `(${(size / 1e6).toFixed(0)} of ${(src.bytes / 1e6).toFixed(0)} MB had arrived)`;
  if (r.code !== 0 || r.timedOut) return `${failure(r)} ${arrived}`;
  const own = checkFerryJson(r, src.md5);
  if (own) return own;
  if (size !== src.bytes) return `output has ${size} bytes, source ${src.bytes}`;
  const md5 = await md5File(out);
  return md5 === src.md5 ? undefined : `output MD5 ${md5} differs from source ${src.md5}`;
}

export async function concurrentCase(ctx: BenchContext, src: Source, clients: number): Promise<CaseResult> {
  const { warmup, runs } = ctx.options;
  ctx.log(`concurrent TCP downloads, ${clients} clients × ${formatSize(src.bytes)}`);
  const single: Row = { tool: 'ferry, 1 client', ferry: true, status: 'ok', seconds: [], note: '--no-cache; spawn to exit' };
  const many: Row = {
    tool: `ferry, ${clients} clients at once`,
    ferry: true,
    status: 'ok',
    seconds: [],
    note: `--no-cache; first spawn to last exit`,
  };
  const c: Omit<CaseResult, 'rows'> = {
    id: 'concurrent',
    title: 'Concurrent TCP downloads',
    workload: `${clients} clients × one ${formatSize(src.bytes)} file`,
    unit: 'MB/s',
  };
  let server: FerryServer;
  try {
    server = await startFerry(ctx, src.dir);
  } catch (err) {
    const note = `ferry serve did not start: ${err instanceof Error ? err.message : String(err)}`;
    return {
      ...c,
      rows: [
        { ...single, status: 'failed', note },
        { ...many, status: 'failed', note },
      ],
    };
  }
  try {
    for (let i = 0; i < warmup + runs; i++) {
      const warm = i < warmup;
      const which = warm ? 'warm-up' : `run ${i - warmup + 1} of ${runs}`;
      for (const [row, n] of [
        [single, 1],
        [many, clients],
      ] as const) {
        if (row.status !== 'ok') continue;
        let b: Batch;
        try {
          b = await batch(ctx, server, src, n);
        } catch (err) {
          b = { seconds: 0, wrong: `could not run: ${err instanceof Error ? err.message : String(err)}` };
        }
        if (b.wrong) {
          ctx.log(`  ${row.tool}: ${which} failed: ${b.wrong}`);
          row.status = 'failed';
          row.note = `${which}: ${b.wrong}`;
          continue;
        }
        if (!warm) row.seconds.push(b.seconds);
        ctx.log(`  ${row.tool}: ${warm ? 'warm-up' : `run ${i - warmup + 1}/${runs}`} ${b.seconds.toFixed(3)} s`);
      }
      if (single.status !== 'ok' && many.status !== 'ok') break;
    }
  } finally {
    await server.close();
  }
  for (const [row, n] of [
    [single, 1],
    [many, clients],
  ] as const) {
    if (row.status !== 'ok') continue;
    row.summary = summarize(row.seconds);
    row.rate = mbPerSecond(n * src.bytes, row.summary.median);
  }
  const result: CaseResult = { ...c, rows: [single, many] };
  if (single.rate !== undefined && many.rate !== undefined) {
    const ratio = many.rate / single.rate;
    const met = ratio >= CONCURRENT_TARGET;
    many.note = `${many.note}; aggregate ${ratio.toFixed(2)}× one client's (target ≥ ${CONCURRENT_TARGET}×: ${met ? 'met' : 'MISSED'})`;
    result.concurrency = { clients, bytesEach: src.bytes, ratio, target: CONCURRENT_TARGET, met };
    ctx.log(`  aggregate ${many.rate.toFixed(0)} MB/s vs one client ${single.rate.toFixed(0)} MB/s: ${ratio.toFixed(2)}×`);
  } else {
    result.concurrency = { clients, bytesEach: src.bytes, target: CONCURRENT_TARGET };
  }
  return result;
}
