// The README's chart: one group of horizontal bars per case, ferry in colour,
// peers in grey. Each group has its own scale (MB/s and files/s do not share
// an axis), and every bar carries its number, so the picture never has to be
// read off an axis. Plain SVG text, no dependencies.

import { machineLine } from './machine.js';
import { formatRate } from './table.js';
import type { BenchResults } from './types.js';

const W = 820;
const LABEL_W = 230;
/** What fits left of the bars at 13 px (a longer name would run off the image). */
const LABEL_CHARS = 32;
const BAR_X = LABEL_W + 10;
const BAR_MAX = 430;
const ROW_H = 22;
const BAR_H = 15;
const GROUP_GAP = 16;
const FERRY = '#1f7a8c';
const PEER = '#9aa5b1';
const MUTED = '#8a4b4b';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function renderChart(results: BenchResults): string {
  const parts: string[] = [];
  let y = 28;
  parts.push(`<text x="10" y="${y}" class="title">ferry beside the tools people use instead — loopback, higher is better</text>`);
  y += 18;
  parts.push(`<text x="10" y="${y}" class="small">${esc(clip(machineLine(results.machine), 130))}</text>`);
  y += 14;
  for (const c of results.cases) {
    y += GROUP_GAP;
    const ratio =
      c.concurrency?.ratio !== undefined
        ? `; aggregate ${c.concurrency.ratio.toFixed(2)}× one client's`
        : c.udpLoss?.goodput !== undefined
          ? `; goodput at ${Math.round(c.udpLoss.drop * 100)} % loss ${c.udpLoss.goodput.toFixed(2)}× at 0 %`
          : (c.targets ?? [])
              .filter((t) => t.ratio !== undefined)
              .map((t) => `; ${t.tool.replace(/^ferry, /, '')}: ${t.ratio!.toFixed(2)}×`)
              .join('');
    parts.push(`<text x="10" y="${y}" class="group">${esc(`${c.title} — ${c.workload}${ratio}`)}</text>`);
    y += 8;
    const max = Math.max(0, ...c.rows.map((r) => r.rate ?? 0));
    for (const r of c.rows) {
      const mid = y + ROW_H / 2 + 4;
      parts.push(`<text x="${LABEL_W}" y="${mid}" text-anchor="end" class="${r.ferry ? 'ferry' : 'label'}">${esc(clip(r.tool, LABEL_CHARS))}</text>`);
      if (r.rate !== undefined && max > 0) {
        const w = Math.max(2, Math.round((r.rate / max) * BAR_MAX));
        const top = y + (ROW_H - BAR_H) / 2;
        parts.push(`<rect x="${BAR_X}" y="${top}" width="${w}" height="${BAR_H}" rx="2" fill="${r.ferry ? FERRY : PEER}"/>`);
        parts.push(`<text x="${BAR_X + w + 6}" y="${mid}" class="value">${esc(formatRate(r.rate, c.unit))}</text>`);
      } else {
        const why = r.status === 'ok' ? 'no runs' : `${r.status}${r.note ? `: ${r.note}` : ''}`;
        parts.push(`<text x="${BAR_X}" y="${mid}" class="muted">${esc(clip(why, 80))}</text>`);
      }
      y += ROW_H;
    }
  }
  y += 18;
  parts.push(
    `<text x="10" y="${y}" class="small">Median of ${results.options.runs} runs after ${results.options.warmup} warm-up; each group scaled to its fastest bar. ${esc(results.date.slice(0, 10))}.</text>`,
  );
  y += 12;
  const style = [
    'text { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; font-size: 13px; fill: #24292f; }',
    '.title { font-size: 16px; font-weight: 600; }',
    '.group { font-weight: 600; }',
    '.ferry { font-weight: 600; fill: ' + FERRY + '; }',
    '.small { font-size: 11px; fill: #57606a; }',
    '.value { font-size: 12px; }',
    '.muted { font-size: 12px; fill: ' + MUTED + '; font-style: italic; }',
  ].join('\n    ');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" role="img" aria-label="ferry benchmark results">`,
    `  <style>\n    ${style}\n  </style>`,
    `  <rect width="${W}" height="${y}" fill="#ffffff"/>`,
    ...parts.map((p) => `  ${p}`),
    '</svg>',
    '',
  ].join('\n');
}
