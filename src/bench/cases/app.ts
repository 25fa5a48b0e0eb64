// The app itself at scale (issue #13), driven through a pseudo-terminal as a
// person would drive it, against a real `ferry serve`:
// - key to frame in a remote folder of 100,000 entries (--quick 10,000): 200
//   presses each of j, PageDown and G (G from the top each time: g between,
//   not timed), p50 and p95 from the key written to the output settled;
// - mark all 20,000 files of a folder (--quick 2,000) and download them,
//   timed until the stats row says all are done;
// - V (check all) over those files, which now have local copies, beside the
//   CLI's `ferry hash checkall` over the same folder (the server's index warm
//   for both); target: the app within 2× the CLI;
// and the app's peak resident set during each (a fresh app for each part, so
// each peak is its own). Targets: key p95 under 50 ms, RSS under 300 MB.

import fs from 'node:fs/promises';
import path from 'node:path';
import { randomFillSync } from 'node:crypto';
import { openApp, type AppSession } from '../app-pty.js';
import { removeData } from '../data.js';
import { ferryBin, ferryClient, startFerry, type FerryServer } from '../peers/ferry.js';
import { failure } from '../proc.js';
import { summarize } from '../stats.js';
import { timeTarget } from '../targets.js';
import type { BenchContext, CaseResult, Row } from '../types.js';

export const APP_KEY_P95_MS = 50;
export const APP_RSS_TARGET = 300e6;
export const APP_CHECKALL_TARGET = 2.0;
/** The case's parts, each alone with --app-parts (V alone makes the local copies by copying). */
export const APP_PARTS = ['keys', 'download', 'v'] as const;
const PRESSES = 200;
/** Silence after a frame that counts as "settled". */
const QUIET_MS = 20;

const V_ROW = 'app: V check all';
const CLI_ROW = 'ferry hash checkall (CLI)';

/** The p-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** `count` empty files in one folder: a listing that size, nothing to read. */
async function makeFlatEmpty(dir: string, count: number): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i += 500) {
    const batch: Promise<void>[] = [];
    for (let j = i; j < Math.min(count, i + 500); j++) batch.push(fs.writeFile(path.join(dir, `e${String(j).padStart(6, '0')}.txt`), ''));
    await Promise.all(batch);
  }
}

/** `count` files of 1–16 KiB in one folder (slices of a random pool, every one different). */
async function makeFlatSmall(dir: string, count: number): Promise<number> {
  await fs.mkdir(dir, { recursive: true });
  const pool = randomFillSync(Buffer.allocUnsafe(4 * 2 ** 20));
  const spread = (i: number, range: number) => ((i * 2654435761) >>> 0) % range;
  let bytes = 0;
  for (let i = 0; i < count; i += 500) {
    const batch: Promise<void>[] = [];
    for (let j = i; j < Math.min(count, i + 500); j++) {
      const size = 1024 + spread(j, 15 * 1024 + 1);
      const at = spread(j + count, pool.length - size + 1);
      bytes += size;
      batch.push(fs.writeFile(path.join(dir, `f${String(j).padStart(6, '0')}.bin`), pool.subarray(at, at + size)));
    }
    await Promise.all(batch);
  }
  return bytes;
}

const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;
const rssVerdict = (b: number) => `peak RSS ${mb(b)} (target < ${mb(APP_RSS_TARGET)}: ${b < APP_RSS_TARGET ? 'met' : 'MISSED'})`;
const itemsShown = (n: number) => new RegExp(`\\b${n} items`);
const itemsShownAll = (n: number) => new RegExp(`\\b${n} items`, 'g');

export async function appCase(ctx: BenchContext): Promise<CaseResult> {
  const entries = ctx.options.listFiles;
  const files = ctx.options.smallFiles;
  const parts = new Set(ctx.options.appParts);
  const share = path.join(ctx.work, 'app-share');
  const local = path.join(ctx.work, 'app-local');
  ctx.log(`app: making ${parts.has('keys') ? `a folder of ${entries} entries and ` : ''}a folder of ${files} small files`);
  if (parts.has('keys')) await makeFlatEmpty(path.join(share, 'big'), entries);
  await makeFlatSmall(path.join(share, 'small'), files);
  await fs.mkdir(local, { recursive: true });
  const server = await startFerry(ctx, share);
  const rows: Row[] = [];
  const c: CaseResult = {
    id: 'app',
    title: 'The app, in a terminal',
    workload: [
      parts.has('keys') ? `keys in a folder of ${entries} entries` : '',
      parts.has('download') || parts.has('v')
        ? `${files} files of 1–16 KiB ${[parts.has('download') ? 'marked, downloaded' : '', parts.has('v') ? 'checked' : ''].filter(Boolean).join(', ')}`
        : '',
    ]
      .filter(Boolean)
      .join('; '),
    unit: 'files/s',
    rows,
  };
  // --no-cache, as the small-files case runs the CLI: taking a file into the
  // cache syncs it and the index journal to disk (a few fsyncs a file), so
  // through the cache 20,000 files would measure the disk rather than the app.
  const open = () => openApp(ferryBin(ctx), ['--server', server.address, '--local', local, '--no-cache'], { env: server.env, cwd: local });
  try {
    if (parts.has('keys')) await keyRows(ctx, open, entries, rows);
    if (parts.has('download')) await downloadRow(ctx, open, files, rows);
    // Without the download the local copies are made as `cp -r` would: V compares them all the same.
    else if (parts.has('v')) await fs.cp(path.join(share, 'small'), local, { recursive: true });
    if (parts.has('v')) await checkAllRows(ctx, open, server, files, rows);
  } finally {
    await server.close();
    await removeData(ctx.log, share);
    await removeData(ctx.log, local);
  }
  if (parts.has('v')) timeTarget(c, V_ROW, CLI_ROW, 'max', APP_CHECKALL_TARGET, "the app's V time ÷ the CLI's checkall time");
  return c;
}

async function within(session: AppSession, f: () => Promise<Row | Row[]>): Promise<Row[]> {
  try {
    const r = await f();
    return Array.isArray(r) ? r : [r];
  } finally {
    await session.quit();
  }
}

async function keyRows(ctx: BenchContext, open: () => Promise<AppSession>, entries: number, rows: Row[]): Promise<void> {
  const keys: [string, string, string | null][] = [
    ['j', 'j', null],
    ['PageDown', '\u001b[6~', null],
    ['G', 'G', 'g'],
  ];
  const s = await open();
  try {
    rows.push(
      ...(await within(s, async () => {
        await s.waitScreen('the share', (x) => x.includes('big/'), 30_000);
        // The folder is first; open it and wait for all of it.
        s.write('\r');
        await s.waitScreen(`${entries} entries`, (x) => itemsShown(entries).test(x) && x.includes('e000000.txt'), 120_000);
        const out: Row[] = [];
        for (const [name, bytes, reset] of keys) {
          const times: number[] = [];
          let missed = 0;
          for (let i = 0; i < PRESSES; i++) {
            if (reset) await s.keyToFrame(reset, QUIET_MS, 2000);
            const ms = await s.keyToFrame(bytes, QUIET_MS, 2000);
            if (ms === null) missed++;
            else times.push(ms);
          }
          const p50 = percentile(times, 50);
          const p95 = percentile(times, 95);
          ctx.log(`  app key ${name}: p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms${missed ? `, ${missed} without a frame` : ''}`);
          out.push({
            tool: `app: key ${name} to frame`,
            ferry: true,
            status: times.length > 0 ? 'ok' : 'failed',
            seconds: times.map((t) => t / 1000),
            summary: summarize(times.map((t) => t / 1000)),
            note:
              `p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms over ${times.length} presses (target p95 < ${APP_KEY_P95_MS} ms: ${p95 < APP_KEY_P95_MS ? 'met' : 'MISSED'})` +
              (missed ? `; ${missed} presses drew no frame within 2 s` : ''),
          });
        }
        const peak = s.peakRss();
        for (const r of out) r.note = `${r.note}; ${rssVerdict(peak)}`;
        return out;
      })),
    );
  } catch (err) {
    rows.push({ tool: 'app: keys', ferry: true, status: 'failed', seconds: [], note: String(err instanceof Error ? err.message.split('\n')[0] : err) });
  }
}

async function downloadRow(ctx: BenchContext, open: () => Promise<AppSession>, files: number, rows: Row[]): Promise<void> {
  const tool = `app: mark all ${files} and download`;
  try {
    const s = await open();
    rows.push(
      ...(await within(s, async () => {
        await s.waitScreen('the share', (x) => x.includes('small/'), 30_000);
        s.write('j');
        s.write('\r');
        await s.waitScreen(`${files} files`, (x) => itemsShown(files).test(x) && x.includes('f000000.bin'), 120_000);
        s.write('*');
        await s.waitScreen('marks', (x) => x.includes('marked'), 30_000);
        const started = performance.now();
        s.write('d');
        await s.waitScreen('the batch to end', (x) => new RegExp(`${files}/${files} files`).test(x) && x.includes('done'), 30 * 60_000);
        const seconds = (performance.now() - started) / 1000;
        const peak = s.peakRss();
        ctx.log(`  ${tool}: ${seconds.toFixed(2)} s, peak ${mb(peak)}`);
        return {
          tool,
          ferry: true,
          status: 'ok',
          seconds: [seconds],
          summary: summarize([seconds]),
          rate: files / seconds,
          note: `d to "done" in the stats row; ${rssVerdict(peak)}`,
        } satisfies Row;
      })),
    );
  } catch (err) {
    rows.push({ tool, ferry: true, status: 'failed', seconds: [], note: String(err instanceof Error ? err.message.split('\n')[0] : err) });
  }
}

async function checkAllRows(ctx: BenchContext, open: () => Promise<AppSession>, server: FerryServer, files: number, rows: Row[]): Promise<void> {
  // The index warm for both: the first checkall reads every file.
  const warm = await ferryClient(ctx, server, ['hash', 'checkall', '--path', 'small'], { timeoutMs: 10 * 60_000 });
  if (warm.code !== 0) ctx.log(`  warm-up checkall failed: ${failure(warm)}`);
  // The app and the CLI take turns, run by run, so load that drifts lands on both.
  const app: number[] = [];
  const cli: number[] = [];
  let peak = 0;
  let same: string | undefined;
  let appFailed: string | undefined;
  let cliFailed: string | undefined;
  for (let i = 0; i < ctx.options.runs; i++) {
    if (appFailed === undefined) {
      try {
        const r = await checkAllOnce(open, files);
        app.push(r.seconds);
        peak = Math.max(peak, r.peak);
        same = r.same;
        ctx.log(`  ${V_ROW}: ${r.seconds.toFixed(2)} s, ${r.same} same, peak ${mb(r.peak)}`);
      } catch (err) {
        appFailed = String(err instanceof Error ? err.message.split('\n')[0] : err);
      }
    }
    const r = await ferryClient(ctx, server, ['hash', 'checkall', '--path', 'small'], { timeoutMs: 10 * 60_000 });
    if (r.code === 0 && !r.timedOut) cli.push(r.seconds);
    else cliFailed ??= failure(r);
    ctx.log(`  ${CLI_ROW}: ${r.code === 0 && !r.timedOut ? `${r.seconds.toFixed(2)} s` : failure(r)}`);
  }
  rows.push(
    appFailed !== undefined
      ? { tool: V_ROW, ferry: true, status: 'failed', seconds: [], note: appFailed }
      : {
          tool: V_ROW,
          ferry: true,
          status: 'ok',
          seconds: app,
          summary: summarize(app),
          rate: files / summarize(app).median,
          note: `a fresh app each run, both panes listed, then V until done: server MD5s and the local copies' compared (${same} of ${files} same); ${rssVerdict(peak)}`,
        },
  );
  rows.push(
    cliFailed !== undefined
      ? { tool: CLI_ROW, ferry: false, status: 'failed', seconds: [], note: cliFailed }
      : {
          tool: CLI_ROW,
          ferry: false,
          status: 'ok',
          seconds: cli,
          summary: summarize(cli),
          rate: files / summarize(cli).median,
          note: 'server MD5s only (no local comparison), --json, process start to exit; taking turns with the app run by run',
        },
  );
}

/** One V: a fresh app, the folder opened and both panes listed, then V timed until check-all is done. */
async function checkAllOnce(open: () => Promise<AppSession>, files: number): Promise<{ seconds: number; peak: number; same: string | undefined }> {
  const s = await open();
  try {
    await s.waitScreen('the share', (x) => x.includes('small/'), 30_000);
    s.write('j');
    s.write('\r');
    // Both panes listed in full (the local one holds the same files): V is timed
    // alone, not beside the start-up listing of the local folder.
    const listed = (x: string) => (x.match(itemsShownAll(files)) ?? []).length >= 2 && !x.includes('loading…') && x.includes('f000000.bin');
    await s.waitScreen(`${files} files in both panes`, listed, 120_000);
    const started = performance.now();
    s.write('V');
    const done = (x: string) => {
      const m = /✓ (\d+) +✗ (\d+) +· (\d+)/.exec(x);
      return m !== null && / done /.test(x) && Number(m[1]) + Number(m[2]) + Number(m[3]) === files;
    };
    const screen = await s.waitScreen('check all to finish', done, 30 * 60_000);
    const seconds = (performance.now() - started) / 1000;
    return { seconds, peak: s.peakRss(), same: /✓ (\d+)/.exec(screen)?.[1] };
  } finally {
    await s.quit();
  }
}
