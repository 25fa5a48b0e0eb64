// The printed result: Markdown tables with padded columns, so the same text
// reads well in a terminal and pastes unchanged into docs/bench.md.

import { loadLine, machineLine, revisionLine } from './machine.js';
import { targetLines } from './targets.js';
import type { AttackResult, BenchResults, CaseResult, Row, RssResult, UdpLoss } from './types.js';

/** Sizes the way the options take them: 512 MiB, 2 GiB. */
export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}

export function formatRate(rate: number, unit: CaseResult['unit']): string {
  if (unit === 'files/s') {
    if (rate >= 1e6) return `${(rate / 1e6).toFixed(2)} M files/s`;
    // Below ten thousand a rounded "k" hides the difference (a few hundred files/s read "0 k").
    if (rate >= 1e4) return `${(rate / 1e3).toFixed(0)} k files/s`;
    return rate >= 1e3 ? `${(rate / 1e3).toFixed(1)} k files/s` : `${rate.toFixed(0)} files/s`;
  }
  return `${rate >= 100 ? rate.toFixed(0) : rate.toFixed(1)} MB/s`;
}

const secs = (s: number) => (s >= 10 ? s.toFixed(1) : s.toFixed(3));

function markdownTable(header: string[], rows: string[][], right: boolean[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (right[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...rows.map(line)];
}

function ratioCell(row: Row): string {
  if (row.ferry) return row.summary ? '—' : '';
  return row.ferryTimes !== undefined ? `${row.ferryTimes.toFixed(2)}×` : '';
}

function rowCells(c: CaseResult, row: Row, first: boolean): string[] {
  const name = first ? `${c.title} (${c.workload})` : '';
  const tool = row.ferry ? `**${row.tool}**` : row.tool;
  if (!row.summary) {
    const status = row.status === 'ok' ? 'no runs' : row.status;
    return [name, tool, '', '', '', status, '', row.note ?? ''];
  }
  const s = row.summary;
  return [name, tool, secs(s.median), secs(s.min), secs(s.max), row.rate !== undefined ? formatRate(row.rate, c.unit) : '', ratioCell(row), row.note ?? ''];
}

export function resultsTable(cases: readonly CaseResult[]): string[] {
  const header = ['case', 'tool', 'median s', 'min s', 'max s', 'rate (median)', 'ferry faster ×', 'notes'];
  const rows = cases.flatMap((c) => c.rows.map((r, i) => rowCells(c, r, i === 0)));
  return markdownTable(header, rows, [false, false, true, true, true, true, true, false]);
}

export function rssTable(r: RssResult): string[] {
  const header = ['process', 'peak RSS', `target < ${(r.targetBytes / 1e6).toFixed(0)} MB`, 'notes'];
  const rows = r.rows.map((x) => {
    const measured = x.peakBytes > 0;
    const verdict = !measured
      ? ''
      : x.failed
        ? x.peakBytes < r.targetBytes
          ? 'run failed'
          : 'MISSED (run failed)'
        : x.peakBytes < r.targetBytes
          ? 'met'
          : 'MISSED';
    return [x.process, measured ? `${(x.peakBytes / 1e6).toFixed(1)} MB` : '', verdict, x.note ?? ''];
  });
  return markdownTable(header, rows, [false, true, false, false]);
}

/** The attack row: one line per scenario, with its verdict against both targets. */
export function attackTable(r: AttackResult): string[] {
  const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;
  const header = ['scenario', 'server peak RSS', 'peak fds', 'worst answer', `RSS < ${mb(r.rssTargetBytes)}, answer ≤ ${r.latencyTargetMs / 1000} s`, 'notes'];
  const rows = r.rows.map((x) => {
    const misses = [
      x.serverExited ? 'server exited' : '',
      x.peakRssBytes >= r.rssTargetBytes ? 'RSS over' : '',
      x.worstLatencyMs > r.latencyTargetMs ? 'slow answer' : '',
      x.failedProbes > 0 ? `${x.failedProbes} of ${x.probes} questions failed` : '',
    ].filter(Boolean);
    const verdict = x.met ? 'met' : `MISSED (${misses.join(', ') || 'see notes'})`;
    const notes = [
      x.serverExited ? `server ${x.serverExited}` : '',
      x.firstFailure ? `first failure: ${x.firstFailure}` : '',
      `idle before: ${mb(x.baselineRssBytes)}, ${x.baselineFds} fds`,
      `attackers: ${x.attackers}`,
    ].filter(Boolean);
    return [
      x.scenario,
      mb(x.peakRssBytes),
      String(x.peakFds),
      `${Math.round(x.worstLatencyMs)} ms${x.worstKind ? ` (${x.worstKind})` : ''}`,
      verdict,
      notes.join('; '),
    ];
  });
  return markdownTable(header, rows, [false, true, true, true, false, false]);
}

/** The udp-loss case's two requirements in one sentence. */
function udpLossLine(c: CaseResult, k: UdpLoss): string {
  const pct = (p: number) => `${Math.round(p * 100)} %`;
  const verdict = (met: boolean | undefined) => (met ? 'met' : 'MISSED');
  const [clean, lossy] = c.rows;
  const goodput =
    k.goodput !== undefined && clean?.rate !== undefined && lossy?.rate !== undefined
      ? `goodput ${formatRate(lossy.rate, c.unit)} = ${k.goodput.toFixed(2)}× the same relay at 0 % loss (${formatRate(clean.rate, c.unit)}; target at least ${k.goodputTarget}×: ${verdict(k.goodputMet)})`
      : `no goodput ratio (a row failed; target at least ${k.goodputTarget}×)`;
  const resent =
    k.retransmit !== undefined
      ? `ferry retransmitted ${k.retransmit.toFixed(2)}× the bytes the relay dropped on the way to the client (median of ${k.droppedBytes.filter((b) => b > 0).length} runs; target under ${k.retransmitTarget}×: ${verdict(k.retransmitMet)})`
      : `no retransmission ratio (the lossy row failed or nothing was dropped; target under ${k.retransmitTarget}×)`;
  return `${c.title}: through the relay in the bench process, dropping ${pct(k.drop)} and reordering ${pct(k.reorder)} of datagrams each way: ${goodput}; ${resent}. The relay's CPU cost lands on both rows alike: only the ratios are meaningful.`;
}

/** Everything the bench prints at the end (also what docs/bench.md shows). */
export function report(results: BenchResults): string[] {
  const o = results.options;
  const lines = [
    `Machine: ${machineLine(results.machine)}; ${loadLine(results.machine)}.`,
    `Run: ${results.date}, ${revisionLine(results.ferry)}, ${o.quick ? '--quick, ' : ''}${o.warmup} warm-up + ${o.runs} timed runs a row, loopback (127.0.0.1), page cache warm, every output checked by MD5. Took ${(results.elapsed / 60).toFixed(1)} min.`,
    '',
  ];
  if (results.cases.length) {
    lines.push(...resultsTable(results.cases), '');
    lines.push(
      'Times are whole client processes, spawn to exit. MB = 10^6 bytes. "ferry faster ×" = this tool\'s median time ÷ ferry\'s median time in the same case: above 1 means ferry is faster.',
      '',
    );
    for (const c of results.cases) {
      const k = c.concurrency;
      if (!k) continue;
      const [one, all] = c.rows;
      lines.push(
        k.ratio !== undefined && one?.rate !== undefined && all?.rate !== undefined
          ? `${c.title}: ${k.clients} clients × ${formatSize(k.bytesEach)} started at once, timed from the first spawn to the last exit: aggregate ${formatRate(all.rate, c.unit)} = ${k.ratio.toFixed(2)}× one client's ${formatRate(one.rate, c.unit)} (target at least ${k.target}×: ${k.met ? 'met' : 'MISSED'}).`
          : `${c.title}: no ratio (a row failed); target was at least ${k.target}× one client's rate.`,
        '',
      );
    }
    for (const c of results.cases) if (c.udpLoss) lines.push(udpLossLine(c, c.udpLoss), '');
    const targets = results.cases.flatMap(targetLines);
    if (targets.length)
      lines.push('Speed targets (issues #12 and #13), each a ratio of two median times in this run:', '', ...targets.map((t) => `- ${t}`), '');
  }
  if (results.rss) {
    lines.push(`Peak RSS (VmHWM), ${results.rss.workload}:`, '', ...rssTable(results.rss), '');
  }
  if (results.attack) {
    const a = results.attack;
    lines.push(
      'Server under attack: a fresh `ferry serve` per scenario; its peak RSS (VmHWM) and open descriptors from /proc, and the longest a real client (a ping, a listing, a new connection, in turn every 100 ms) waited for an answer:',
      '',
      ...attackTable(a),
      '',
    );
    if (a.note) lines.push(`Not measured: ${a.note}`, '');
  }
  return lines;
}
