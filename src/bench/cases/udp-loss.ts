// UDP downloads through a lossy path: `ferry download --udp` to a `ferry
// serve` whose UDP traffic passes a seeded relay (src/bench/udp-relay.ts),
// once forwarding everything and once dropping 5 % of datagrams each way and
// reordering a few. The server binds --udp-port P and announces the relay's
// port with --udp-advertise-port, so the client sends to the relay without
// knowing it is there, exactly as behind a real port forward.
//
// The relay runs in the bench process and costs CPU for both rows alike, so
// the absolute rates say little; what counts is the lossy row against the
// clean one (goodput at least 0.7×) and how much ferry resends for what the
// relay dropped (under 2×).

import { median } from '../stats.js';
import { finishCase } from '../measure.js';
import { timeoutFor, type Downloader } from '../peers/common.js';
import { checkFerryJson, ferryDownloader, ferryUnavailable, startFerry } from '../peers/ferry.js';
import { freeUdpPort, type RunResult } from '../proc.js';
import { formatSize } from '../table.js';
import type { BenchContext, CaseResult, Row, UdpLoss } from '../types.js';
import { UdpRelay, type Impairments, type RelayCounts } from '../udp-relay.js';
import { measureDownload, type Source } from './download.js';
import { peerRow } from './peer-row.js';

/** The requirements: goodput from issue #12 (#4 asked for 0.5×), retransmission from issue #4. */
export const GOODPUT_TARGET = 0.7;
export const RETRANSMIT_TARGET = 2;

/** Each way; a reordered datagram waits for 1–3 later ones (or up to 2 ms). */
const LOSSY = { drop: 0.05, reorder: 0.02, delayMs: 2 } satisfies Impairments;
/** Fixed, so a rerun meets the same kind of loss pattern (arrival order still varies run to run). */
const SEED = 4;

interface Sample {
  retransmittedBytes: number;
  droppedBytes: number;
}

/** One run's retransmitted bytes from ferry's --json, beside what the relay dropped on the way to the client. */
function sample(r: RunResult, counts: RelayCounts): Sample | undefined {
  try {
    const j = JSON.parse(r.stdout) as { udp?: { datagramsRetransmitted?: number; datagramBytes?: number } };
    const { datagramsRetransmitted: n, datagramBytes: size } = j.udp ?? {};
    if (n === undefined || size === undefined) return undefined;
    // datagramBytes is the size on the wire, as the relay counts what it drops.
    return { retransmittedBytes: n * size, droppedBytes: counts.droppedBytes };
  } catch {
    return undefined;
  }
}

interface RelayRow {
  row: Row;
  /** One per timed run (warm-up excluded); empty when the row failed. */
  samples: Sample[];
}

/** `ferry serve` behind a fresh relay with `impair`, and one measured row through it. */
async function relayRow(ctx: BenchContext, src: Source, tool: string, impair: Impairments, note: string): Promise<RelayRow> {
  const all: (Sample | undefined)[] = [];
  let relay: UdpRelay | undefined;
  const start = async () => {
    const udpPort = await freeUdpPort();
    relay = await UdpRelay.start({ seed: SEED, ...impair, target: { host: '127.0.0.1', port: udpPort } });
    try {
      return await startFerry(ctx, src.dir, ['--udp-port', String(udpPort), '--udp-advertise-port', String(relay.port)]);
    } catch (err) {
      await relay.close();
      relay = undefined;
      throw err;
    }
  };
  try {
    const row = await peerRow(ctx, tool, [], start, (server) => {
      const d = ferryDownloader(ctx, server, src.name, timeoutFor(src.bytes), true);
      const counted: Downloader = {
        ...d,
        // Count afresh for every run; reading the counts as the client exits
        // leaves out only what the server sends after it has everything.
        fetch: async (dest) => {
          relay!.resetCounts();
          const r = await d.fetch(dest);
          all.push(sample(r, relay!.counts.toClient));
          return r;
        },
      };
      return measureDownload(ctx, tool, counted, src, {
        ferry: true,
        note,
        checkOutput: (r) => checkFerryJson(r, src.md5),
        unavailable: ferryUnavailable,
      });
    });
    const timed = all.slice(ctx.options.warmup);
    const samples = row.status === 'ok' && timed.every((s) => s !== undefined) ? (timed as Sample[]) : [];
    return { row, samples };
  } finally {
    await relay?.close();
  }
}

export async function udpLossCase(ctx: BenchContext, src: Source): Promise<CaseResult> {
  ctx.log(`UDP download through a lossy relay, ${formatSize(src.bytes)}`);
  const pct = (p: number) => `${Math.round(p * 100)} %`;
  const clean = await relayRow(ctx, src, 'ferry --udp, 0 % loss', {}, '--no-cache; relay forwards everything');
  const lossy = await relayRow(
    ctx,
    src,
    `ferry --udp, ${pct(LOSSY.drop)} loss + reorder`,
    LOSSY,
    `--no-cache; relay drops ${pct(LOSSY.drop)} and reorders ${pct(LOSSY.reorder)} each way, seed ${SEED}`,
  );
  const result = finishCase(
    { id: 'udp-loss', title: 'UDP download via lossy relay', workload: `one ${formatSize(src.bytes)} file`, unit: 'MB/s' },
    [clean.row, lossy.row],
    src.bytes,
  );
  const loss: UdpLoss = {
    drop: LOSSY.drop,
    reorder: LOSSY.reorder,
    goodputTarget: GOODPUT_TARGET,
    retransmittedBytes: lossy.samples.map((s) => s.retransmittedBytes),
    droppedBytes: lossy.samples.map((s) => s.droppedBytes),
    retransmitTarget: RETRANSMIT_TARGET,
  };
  if (clean.row.rate !== undefined && lossy.row.rate !== undefined) {
    loss.goodput = lossy.row.rate / clean.row.rate;
    loss.goodputMet = loss.goodput >= GOODPUT_TARGET;
    lossy.row.note = `${lossy.row.note}; goodput ${loss.goodput.toFixed(2)}× 0 % loss (target ≥ ${GOODPUT_TARGET}×: ${loss.goodputMet ? 'met' : 'MISSED'})`;
  }
  // A run in which the relay dropped nothing says nothing about repair.
  const ratios = lossy.samples.filter((s) => s.droppedBytes > 0).map((s) => s.retransmittedBytes / s.droppedBytes);
  if (ratios.length > 0) {
    loss.retransmit = median(ratios);
    loss.retransmitMet = loss.retransmit < RETRANSMIT_TARGET;
    lossy.row.note = `${lossy.row.note}; resent ${loss.retransmit.toFixed(2)}× the bytes dropped (target < ${RETRANSMIT_TARGET}×: ${loss.retransmitMet ? 'met' : 'MISSED'})`;
  }
  if (clean.samples.length > 0) {
    const resent = median(clean.samples.map((s) => s.retransmittedBytes));
    clean.row.note = `${clean.row.note}; resent ${(resent / 1e6).toFixed(1)} MB (median)`;
  }
  ctx.log(
    `  goodput ${loss.goodput?.toFixed(2) ?? '?'}× 0 % loss; retransmitted ${loss.retransmit?.toFixed(2) ?? '?'}× the bytes dropped (median of ${ratios.length} runs)`,
  );
  return { ...result, udpLoss: loss };
}
