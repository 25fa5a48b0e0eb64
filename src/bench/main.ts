// `npm run bench`: ferry measured beside the tools people would use instead,
// on loopback, with every output checked. Options, orchestration and output
// live here; each case and each peer has its own file.
//
//   npm run bench [-- --quick] [-- --size 512MiB] [--big-size 2GiB] [--runs N] [--only tcp,tcp-big,cold,resume,...]

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { APP_PARTS, appCase } from './cases/app.js';
import { attackCase } from './cases/attack.js';
import { coldCase } from './cases/cold.js';
import { compareCases } from './cases/compare.js';
import { concurrentCase } from './cases/concurrent.js';
import { hashCases } from './cases/hash.js';
import { listCase } from './cases/list.js';
import { resumeCase } from './cases/resume.js';
import { rssCase } from './cases/rss.js';
import { smallCase } from './cases/small.js';
import { makeLargeSource, TCP, TCP_BIG, tcpCase } from './cases/tcp.js';
import { udpCase } from './cases/udp.js';
import { udpLossCase } from './cases/udp-loss.js';
import { renderChart } from './chart.js';
import { removeData } from './data.js';
import { describeMachine, describeRevision, finishMachine, loadLine, machineLine, revisionLine } from './machine.js';
import { killAllNow, stopAll } from './proc.js';
import { formatSize, report } from './table.js';
import type { BenchContext, BenchOptions, BenchResults, CaseResult } from './types.js';

const CASES = ['tcp', 'tcp-big', 'udp', 'udp-loss', 'resume', 'cold', 'concurrent', 'hash', 'list', 'small', 'compare', 'rss', 'attack', 'app'] as const;
const MiB = 2 ** 20;
/** Seconds each attack scenario lasts. */
const ATTACK_SECONDS = 15;
const ATTACK_SECONDS_QUICK = 8;
const GiB = 2 ** 30;

const HELP = `Usage: npm run bench [-- OPTIONS]

Measures ferry beside rsync, scp, socat, atftp, md5sum and find on loopback.

  --quick          small sizes and 3 runs (finishes in a few minutes);
                   the concurrent case uses 8 clients × 8 MiB instead of 32 × 32 MiB,
                   the small-files case 2,000 files instead of 20,000
  --size SIZE      the large-file size for the TCP, UDP, UDP-loss and resume downloads (default 512MiB; --quick 64MiB)
  --big-size SIZE  the file for tcp-big (ferry against rsync), cold (index cold vs warm)
                   and rss (peak memory) (default 2GiB; --quick 256MiB)
  --runs N         timed runs per row after the warm-up (default 5; --quick 3)
  --warmup N       untimed warm-up runs per row (default 1)
  --only LIST      some of: ${CASES.join(',')}
                   (attack: the server's memory and a real client's wait under
                   three floods, ${ATTACK_SECONDS} s each; --quick ${ATTACK_SECONDS_QUICK} s and a smaller folder;
                   small: a folder of 20,000 files of 1–16 KiB, ferry at --transfers 1, 4
                   and 8 beside rsync -r, rsync -rt and scp -r;
                   compare: 10,000 files, 1 GiB, 1 % changed, added and removed:
                   ferry compare warm and cold beside rsync -rcn and -rn, and
                   ferry sync beside rsync -rc; --quick 2,000 files, 128 MiB;
                   app: the app in a pseudo-terminal: key-to-frame latency in a folder
                   of 100,000 entries, then 20,000 small files marked, downloaded and
                   checked with V beside \`ferry hash checkall\`, and its peak RSS)
  --app-parts LIST some of: ${APP_PARTS.join(',')} (the app case's parts; default all;
                   v alone copies the small folder to the local side instead of downloading it)
  --out DIR        where results.json and chart.svg go (default docs/bench)
  --no-save        print only; write no files
  --keep           keep the temp folder (for looking at logs)
`;

/** 512MiB, 2GiB, 64M (binary), 100MB (decimal), or plain bytes. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt])(i?)b?)?\s*$/i.exec(text);
  if (!m) throw new Error(`cannot read size '${text}' (try 512MiB or 2GiB)`);
  const power = m[2] ? 'kmgt'.indexOf(m[2].toLowerCase()) + 1 : 0;
  const decimal = m[2] !== undefined && m[3] === '' && /b$/i.test(text.trim());
  return Math.round(Number(m[1]) * (decimal ? 1000 : 1024) ** power);
}

function positiveInt(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number of at least ${min}`);
  return n;
}

interface Cli {
  options: BenchOptions;
  out: string | undefined;
  keep: boolean;
}

function parseCli(argv: string[], root: string): Cli | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      size: { type: 'string' },
      'big-size': { type: 'string' },
      runs: { type: 'string' },
      warmup: { type: 'string' },
      only: { type: 'string' },
      'app-parts': { type: 'string' },
      out: { type: 'string' },
      'no-save': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const quick = values.quick === true;
  const only = new Set(
    (values.only ?? CASES.join(','))
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  for (const c of only) if (!(CASES as readonly string[]).includes(c)) throw new Error(`--only: unknown case '${c}' (cases: ${CASES.join(', ')})`);
  const appParts = (values['app-parts'] ?? APP_PARTS.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const p of appParts)
    if (!(APP_PARTS as readonly string[]).includes(p)) throw new Error(`--app-parts: unknown part '${p}' (parts: ${APP_PARTS.join(', ')})`);
  // Issue #12's 2 GiB rows (tcp-big, cold, rss) all use this one size.
  const bigSize = values['big-size'] !== undefined ? parseSize(values['big-size']) : quick ? 256 * MiB : 2 * GiB;
  const options: BenchOptions = {
    quick,
    size: values.size !== undefined ? parseSize(values.size) : quick ? 64 * MiB : 512 * MiB,
    runs: positiveInt('runs', values.runs, quick ? 3 : 5),
    warmup: positiveInt('warmup', values.warmup, 1, 0),
    hashFiles: quick ? 500 : 4000,
    hashBytes: quick ? 128 * MiB : GiB,
    listFiles: quick ? 10_000 : 100_000,
    smallFiles: quick ? 2_000 : 20_000,
    rssSize: bigSize,
    bigSize,
    concurrentClients: quick ? 8 : 32,
    concurrentSize: quick ? 8 * MiB : 32 * MiB,
    attackEntries: quick ? 50_000 : 200_000,
    attackSeconds: quick ? ATTACK_SECONDS_QUICK : ATTACK_SECONDS,
    only,
    appParts,
  };
  if (options.size <= 0) throw new Error('--size must be more than 0 bytes');
  if (options.bigSize <= 0) throw new Error('--big-size must be more than 0 bytes');
  const out = values['no-save'] ? undefined : path.resolve(values.out ?? path.join(root, 'docs', 'bench'));
  return { options, out, keep: values.keep === true };
}

/**
 * Replace the results between the markers in the bench.md beside the output
 * folder (docs/bench.md for docs/bench/), if that file has the markers.
 */
async function updateDoc(out: string, lines: string[]): Promise<boolean> {
  const doc = path.join(path.dirname(out), 'bench.md');
  const start = '<!-- bench:results:start -->';
  const end = '<!-- bench:results:end -->';
  let text: string;
  try {
    text = await fs.readFile(doc, 'utf8');
  } catch {
    return false;
  }
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return false;
  await fs.writeFile(doc, `${text.slice(0, a + start.length)}\n${lines.join('\n')}\n${text.slice(b)}`);
  return true;
}

async function runCases(ctx: BenchContext): Promise<Pick<BenchResults, 'cases' | 'rss' | 'attack'>> {
  const { only, size } = ctx.options;
  const cases: CaseResult[] = [];
  let rss: BenchResults['rss'];
  let attack: BenchResults['attack'];
  // A case that throws (a data folder it cannot make, say) is reported and
  // the others still run: a partial table beats none.
  const attempt = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      ctx.log(`${name}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      cases.push({
        id: name,
        title: name,
        workload: '',
        unit: 'MB/s',
        rows: [{ tool: '(case)', ferry: false, status: 'failed', note: String(err instanceof Error ? err.message : err), seconds: [] }],
      });
    }
  };
  // udp-loss shares the large file: through the in-process relay 512 MiB
  // takes ~1.5 s clean and ~2.5 s lossy a run (about 40 s for the case on
  // 2 cores), and a smaller file would let each run's fixed start-up (the
  // same in both rows) flatter the lossy row's ratio to the clean one.
  if (only.has('tcp') || only.has('udp') || only.has('udp-loss') || only.has('resume')) {
    await attempt('download', async () => {
      const src = await makeLargeSource(ctx, size);
      try {
        if (only.has('tcp')) cases.push(await tcpCase(ctx, src, TCP));
        if (only.has('udp')) cases.push(await udpCase(ctx, src));
        if (only.has('udp-loss')) cases.push(await udpLossCase(ctx, src));
        if (only.has('resume')) cases.push(await resumeCase(ctx, src));
      } finally {
        await removeData(ctx.log, src.dir);
      }
    });
  }
  // Issue #12's 2 GiB rows share one file, made once (about 10 s for 2 GiB).
  // The peak-memory case uses it too: each of its servers starts with an empty
  // index, so its first download is cold whatever ran before.
  if (only.has('tcp-big') || only.has('cold') || only.has('rss')) {
    await attempt('big download', async () => {
      const src = await makeLargeSource(ctx, ctx.options.bigSize, 'big.bin');
      try {
        if (only.has('tcp-big')) await attempt('tcp-big', async () => void cases.push(await tcpCase(ctx, src, TCP_BIG)));
        if (only.has('cold')) await attempt('cold', async () => void cases.push(await coldCase(ctx, src)));
        if (only.has('rss')) await attempt('rss', async () => void (rss = await rssCase(ctx, src)));
      } finally {
        await removeData(ctx.log, src.dir);
      }
    });
  }
  if (only.has('concurrent')) {
    await attempt('concurrent', async () => {
      const src = await makeLargeSource(ctx, ctx.options.concurrentSize, 'concurrent.bin');
      try {
        cases.push(await concurrentCase(ctx, src, ctx.options.concurrentClients));
      } finally {
        await removeData(ctx.log, src.dir);
      }
    });
  }
  if (only.has('hash')) await attempt('hash', async () => void cases.push(...(await hashCases(ctx))));
  if (only.has('list')) await attempt('list', async () => void cases.push(await listCase(ctx)));
  if (only.has('small')) await attempt('small', async () => void cases.push(await smallCase(ctx)));
  if (only.has('compare')) await attempt('compare', async () => void cases.push(...(await compareCases(ctx))));
  if (only.has('attack')) await attempt('attack', async () => void (attack = await attackCase(ctx)));
  if (only.has('app')) await attempt('app', async () => void cases.push(await appCase(ctx)));
  return { cases, ...(rss ? { rss } : {}), ...(attack ? { attack } : {}) };
}

export async function main(argv: string[]): Promise<number> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  let cli: Cli | undefined;
  try {
    cli = parseCli(argv, root);
  } catch (err) {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
    return 2;
  }
  if (!cli) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!existsSync(path.join(root, 'dist', 'cli', 'main.js'))) {
    process.stderr.write('bench: ferry is not built; run `npm run build` first\n');
    return 1;
  }
  const { options, out, keep } = cli;
  const work = mkdtempSync(path.join(os.tmpdir(), 'ferry-bench-'));
  const started = Date.now();
  const log = (line: string) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
  const cleanup = () => {
    if (keep) return;
    const t = Date.now();
    rmSync(work, { recursive: true, force: true });
    if (Date.now() - t > 1000) log(`removed the temp folder in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  };
  // Ctrl-C: stop every server the bench started and remove its data.
  const onSignal = () => {
    killAllNow();
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', killAllNow);

  const machine = describeMachine();
  const revision = describeRevision(root);
  log(`measuring ${revisionLine(revision)}`);
  log(`machine: ${machineLine(machine)}; ${loadLine(machine)}`);
  log(
    `temp folder: ${work}; downloads of ${formatSize(options.size)} (big: ${formatSize(options.bigSize)}), ${options.warmup} warm-up + ${options.runs} runs a row`,
  );
  const ctx: BenchContext = { work, root, options, log };
  let measured: Pick<BenchResults, 'cases' | 'rss' | 'attack'>;
  try {
    measured = await runCases(ctx);
  } finally {
    await stopAll();
    cleanup();
  }
  const results: BenchResults = {
    format: 1,
    date: new Date().toISOString(),
    machine: finishMachine(machine),
    ferry: revision,
    options: { ...options, only: [...options.only] },
    ...measured,
    elapsed: (Date.now() - started) / 1000,
  };
  const lines = report(results);
  process.stdout.write(`\n${lines.join('\n')}\n`);
  if (out) {
    await fs.mkdir(out, { recursive: true });
    await fs.writeFile(path.join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    await fs.writeFile(path.join(out, 'chart.svg'), renderChart(results));
    const doc = await updateDoc(out, lines);
    log(`wrote ${path.join(out, 'results.json')} and chart.svg${doc ? '; updated bench.md' : ''}`);
  }
  if (keep) log(`kept ${work}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
