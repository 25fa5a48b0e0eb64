// Peak memory of ferry's client and server while moving a file much larger
// than any buffer. Streaming with backpressure means neither should grow with
// the file: the target is under 150 MB each. VmHWM (the kernel's high-water
// mark of resident memory) is polled while the process runs; it only grows,
// so the last sample before exit is the peak.

import fs from 'node:fs/promises';
import path from 'node:path';
import { md5File, sizeOf } from '../data.js';
import { checkFerryJson, ferryDownloader, ferryUnavailable, startFerry } from '../peers/ferry.js';
import { timeoutFor } from '../peers/common.js';
import { failure } from '../proc.js';
import { formatSize } from '../table.js';
import type { BenchContext, RssResult, RssRow } from '../types.js';
import type { Source } from './download.js';

export const RSS_TARGET = 150e6;

export async function rssCase(ctx: BenchContext, src: Source): Promise<RssResult> {
  const workload = `one ${formatSize(src.bytes)} file, --no-cache`;
  ctx.log(`peak RSS, ${workload}`);
  const rows: RssRow[] = [];
  const server = await startFerry(ctx, src.dir);
  const timeout = timeoutFor(src.bytes);
  let problem: string | undefined;
  try {
    const runs: { label: string; udp: boolean }[] = [
      { label: 'ferry download (TCP), server index cold', udp: false },
      { label: 'ferry download (TCP), server index warm', udp: false },
      { label: 'ferry download --udp', udp: true },
    ];
    for (const { label, udp } of runs) {
      const dest = path.join(ctx.work, 'dest', `rss-${rows.length}`);
      await fs.mkdir(dest, { recursive: true });
      const d = ferryDownloader(ctx, server, src.name, timeout, udp, true);
      const r = await d.fetch(dest);
      const missingFeature = udp ? ferryUnavailable(r) : undefined;
      if (missingFeature) {
        rows.push({ process: label, peakBytes: 0, note: `not available: ${missingFeature}` });
      } else if (r.code !== 0 || r.timedOut) {
        problem = `${label}: ${failure(r)}`;
        rows.push({ process: label, peakBytes: r.peakRss, failed: true, note: `failed: ${failure(r)}` });
      } else {
        const out = d.output(dest);
        const wrong =
          checkFerryJson(r, src.md5) ?? ((await sizeOf(out)) === src.bytes && (await md5File(out)) === src.md5 ? undefined : 'output differs from source');
        const mbps = src.bytes / 1e6 / r.seconds;
        rows.push({
          process: label,
          peakBytes: r.peakRss,
          ...(wrong ? { failed: true } : {}),
          note: wrong ? `wrong output: ${wrong}` : `${r.seconds.toFixed(2)} s, ${mbps.toFixed(0)} MB/s, output checked by MD5`,
        });
        if (wrong) problem = `${label}: ${wrong}`;
      }
      ctx.log(`  ${label}: peak ${(r.peakRss / 1e6).toFixed(1)} MB`);
      await fs.rm(dest, { recursive: true, force: true });
    }
  } finally {
    const peak = await server.close();
    rows.unshift({ process: 'ferry serve (whole life: all downloads above)', peakBytes: peak });
    ctx.log(`  ferry serve: peak ${(peak / 1e6).toFixed(1)} MB`);
  }
  return { workload, targetBytes: RSS_TARGET, rows, status: problem ? 'failed' : 'ok', ...(problem ? { note: problem } : {}) };
}
