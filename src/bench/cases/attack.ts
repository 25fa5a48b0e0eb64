// The server under attack: peak memory and descriptors of `ferry serve`, and
// how long a real client waits for answers, while the server faces one crowd
// at a time (issue 11): (a) 1,000 idle connections that never send HELLO,
// (b) 20 clients sending 64 downloads of a large file each and never reading,
// (c) 40 clients each listing a folder of 200,000 entries over and over.
// Each scenario gets a fresh server (VmHWM only grows, and a crash must not
// spoil the next scenario) and a fixed time; a server that dies or stops
// answering is a result, reported as such, never a hang.

import fs from 'node:fs/promises';
import path from 'node:path';
import { type Crowd, idleCrowd, listingCrowd, nonReadingCrowd } from '../attack/raw-peers.js';
import { Prober, ProcessWatch, sampleProcess } from '../attack/watch.js';
import { removeData } from '../data.js';
import { startFerry } from '../peers/ferry.js';
import { waitFor } from '../proc.js';
import type { AttackResult, AttackRow, BenchContext } from '../types.js';

/** Targets from issue 11: each scenario under this server RSS, and the real client answered within this. */
export const ATTACK_RSS_TARGET = 300e6;
export const ATTACK_LATENCY_TARGET_MS = 1000;

const BIG_FILE = 'big.bin';
/** Sparse: costs no disk and no time to make; its zeros are read and sent like any bytes. */
const BIG_FILE_BYTES = 256 * 2 ** 20;
const LIST_FOLDER = 'longlist';

interface Scenario {
  label: string;
  start(host: string, port: number): Crowd;
}

function scenarios(entries: number): Scenario[] {
  return [
    { label: '(a) 1,000 idle connections, no HELLO, from 100 addresses', start: (h, p) => idleCrowd(h, p, 1000, 10) },
    { label: '(b) 20 clients × 64 downloads of 256 MiB, never reading', start: (h, p) => nonReadingCrowd(h, p, 20, 64, BIG_FILE) },
    { label: `(c) 40 clients listing ${entries.toLocaleString('en')} entries, again and again`, start: (h, p) => listingCrowd(h, p, 40, LIST_FOLDER) },
  ];
}

/** The shared folder: one large sparse file and one folder of `entries` empty files. */
async function makeShare(ctx: BenchContext, dir: string, entries: number): Promise<void> {
  const t = Date.now();
  await fs.mkdir(path.join(dir, LIST_FOLDER), { recursive: true });
  const big = await fs.open(path.join(dir, BIG_FILE), 'w');
  await big.truncate(BIG_FILE_BYTES);
  await big.close();
  const name = (i: number) => path.join(dir, LIST_FOLDER, `f${String(i).padStart(6, '0')}.txt`);
  for (let i = 0; i < entries; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, entries - i) }, (_, j) => fs.writeFile(name(i + j), '')));
  }
  ctx.log(`  made ${entries.toLocaleString('en')} entries in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

async function runScenario(ctx: BenchContext, share: string, scenario: Scenario): Promise<AttackRow> {
  const seconds = ctx.options.attackSeconds;
  ctx.log(`  ${scenario.label}, ${seconds} s`);
  const started = Date.now();
  const server = await startFerry(ctx, share);
  const cut = server.address.lastIndexOf(':');
  const host = server.address.slice(0, cut).replace(/^\[|\]$/g, '');
  const port = Number(server.address.slice(cut + 1));
  const watch = new ProcessWatch(server.pid);
  const prober = Prober.start(host, port);
  let crowd: Crowd | undefined;
  let baseline = { rss: 0, fds: 0 };
  let problem: string | undefined;
  try {
    await waitFor('the real client to be answered once', () => prober.answered > 0 || server.exited() !== undefined, 10_000);
    const idle = sampleProcess(server.pid);
    if (idle) baseline = { rss: idle.rss, fds: idle.fds };
    crowd = scenario.start(host, port);
    // A measurement window, not synchronisation: the scenario lasts this long unless the server dies.
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end && server.exited() === undefined) await new Promise((r) => setTimeout(r, 100));
  } catch (err) {
    problem = err instanceof Error ? err.message : String(err);
  }
  // Stop asking first: the latency wanted is the one under attack, not during the clean-up.
  const summary = await prober.stop();
  crowd?.stop();
  watch.stop();
  const exited = server.exited();
  const peak = Math.max(watch.peakRss, await server.close());
  const firstFailure = problem ?? summary.firstFailure;
  const row: AttackRow = {
    scenario: scenario.label,
    peakRssBytes: peak,
    peakFds: watch.peakFds,
    baselineRssBytes: baseline.rss,
    baselineFds: baseline.fds,
    worstLatencyMs: summary.worstMs,
    ...(summary.worstKind ? { worstKind: summary.worstKind } : {}),
    probes: summary.probes,
    failedProbes: summary.failures,
    ...(firstFailure ? { firstFailure } : {}),
    ...(exited ? { serverExited: exited } : {}),
    attackers: crowd?.describe() ?? 'not started',
    seconds: (Date.now() - started) / 1000,
    met: !exited && !problem && peak < ATTACK_RSS_TARGET && summary.worstMs <= ATTACK_LATENCY_TARGET_MS && summary.failures === 0,
  };
  ctx.log(
    `    peak RSS ${(peak / 1e6).toFixed(0)} MB, ${watch.peakFds} fds, worst answer ${summary.worstMs.toFixed(0)} ms (${summary.worstKind ?? '-'}), ${summary.failures} of ${summary.probes} questions failed${exited ? `; server ${exited}` : ''}`,
  );
  ctx.log(`    attackers: ${row.attackers}`);
  return row;
}

export async function attackCase(ctx: BenchContext): Promise<AttackResult> {
  const entries = ctx.options.attackEntries;
  ctx.log(`server under attack: ${ctx.options.attackSeconds} s a scenario, a fresh server each`);
  const share = path.join(ctx.work, 'attack-share');
  const rows: AttackRow[] = [];
  let note: string | undefined;
  try {
    await makeShare(ctx, share, entries);
    for (const s of scenarios(entries)) {
      try {
        rows.push(await runScenario(ctx, share, s));
      } catch (err) {
        // The scenario could not even run (the server would not start, say): say so and go on.
        note = `${s.label}: ${err instanceof Error ? err.message : String(err)}`;
        ctx.log(`    ${note}`);
      }
    }
  } finally {
    await removeData(ctx.log, share);
  }
  return { rssTargetBytes: ATTACK_RSS_TARGET, latencyTargetMs: ATTACK_LATENCY_TARGET_MS, rows, status: note ? 'failed' : 'ok', ...(note ? { note } : {}) };
}
