// One row per transfer: badge, name, bar, percent, bytes, rate, ETA while running;
// MD5 (verified) or the error once finished.

import { ASKING_FOR_HASHES, formatBytes, formatDuration, formatRate } from '../../format.js';
import type { BatchView } from '../state/transfer-batch.js';
import type { Transfer } from '../state/transfers.js';
import { displayWidth, fit } from '../text.js';
import { Frame } from './Frame.js';
import type { LineSpec, Seg } from './Line.js';

export function progressBar(fraction: number, width: number): string {
  const w = Math.max(0, width);
  const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * w);
  return '█'.repeat(full) + '░'.repeat(w - full);
}

/** A row as text around its bar, or a row without a bar (failed, still sizing). */
type RowParts = { whole: LineSpec } | { head: Seg[]; fraction: number; done: boolean; tail: Seg[] };

/**
 * Drawn on a transfer that has not started while the connection is down: it
 * is waiting for the server (the client retries), not stuck at 0 %.
 */
export const WAITING_FOR_SERVER = 'waiting for the server to come back…';

/** Drawn on a running transfer whose bytes are all in, until it is checked and in place. */
export const VERIFYING = 'verifying…';

function rowParts(t: Transfer, inner: number, offline = false): RowParts {
  const badge: Seg = {
    text: t.kind === 'upload' ? ' UP  ' : t.transport === 'udp' ? ' UDP ' : ' TCP ',
    color: t.transport === 'udp' ? 'udp' : 'tcp',
    bold: true,
  };
  const nameWidth = Math.max(8, Math.min(28, Math.floor(inner / 5)));
  const base = t.path.split('/').pop() || t.path || '/';
  const name: Seg = { text: fit(base, nameWidth) + ' ' };
  // A resumed or growing file can report more than its total: never show over 100 %.
  const fraction = Math.max(0, Math.min(1, t.total > 0 ? t.bytes / t.total : t.status === 'done' ? 1 : 0));
  const pct = `${String(Math.floor(fraction * 100)).padStart(3)}%`;
  if (t.status === 'failed') {
    return { whole: [badge, name, { text: `✗ ${t.error ?? 'failed'}`, color: 'error', bold: true }] };
  }
  if (t.status === 'running' && t.bytes === 0 && offline) {
    return { whole: [badge, name, { text: WAITING_FOR_SERVER, dim: true }] };
  }
  if (t.status === 'running' && t.note && t.total === 0) {
    return { whole: [badge, name, { text: t.note, dim: true }] };
  }
  if (t.status === 'running' && t.kind === 'download' && !t.moving) {
    return { whole: [badge, name, { text: ASKING_FOR_HASHES, dim: true }] };
  }
  if (t.status === 'done' && t.outcome === 'skipped') {
    return { whole: [badge, name, { text: `· ${t.note ?? 'skipped'}`, dim: true }] };
  }
  let tail: Seg[];
  if (t.status === 'done') {
    const md5 = t.md5 ? `${t.md5.slice(0, 4)}…${t.md5.slice(-4)}` : '';
    const extra = [
      t.cache && t.cache !== 'bypass' ? `cache ${t.cache}` : '',
      t.retxPercent ? `retx ${t.retxPercent.toFixed(1)} %` : '',
      t.note ?? '',
      t.seconds !== undefined ? `${t.seconds.toFixed(2)} s` : '',
    ]
      .filter(Boolean)
      .join('  ');
    tail = [{ text: `${pct}  ${formatBytes(t.bytes)}  ` }, { text: `md5 ✓ ${md5}`, color: 'ok', bold: true }, { text: extra ? `  ${extra}` : '', dim: true }];
  } else if (t.total > 0 && t.bytes >= t.total) {
    // Every byte is here but the file is not done: the last checks (hashes,
    // sync, rename) are running. A rate and an ETA of 0 s would say it hangs.
    tail = [{ text: `${pct}  ${formatBytes(t.bytes)}  ` }, { text: VERIFYING, dim: true }];
  } else {
    tail = [{ text: `${pct}  ${formatBytes(t.bytes)}/${formatBytes(t.total)}  ${formatRate(t.rate)}  ETA ${formatDuration(t.etaSeconds)}` }];
  }
  return { head: [badge, name], fraction, done: t.status === 'done', tail };
}

/**
 * The bar takes what the text leaves, within sensible bounds; the text is what
 * people read, so on a narrow screen the bar gives way first.
 */
function barRoom(p: { head: Seg[]; tail: Seg[] }, inner: number): number {
  const text = [...p.head, ...p.tail].reduce((n, x) => n + displayWidth(x.text), 0);
  return Math.max(6, Math.min(40, inner - text - 2));
}

export function transferRow(t: Transfer, inner: number, barWidth?: number, offline = false): LineSpec {
  const p = rowParts(t, inner, offline);
  if ('whole' in p) return p.whole;
  const bar: Seg = { text: progressBar(p.fraction, barWidth ?? barRoom(p, inner)) + ' ', color: p.done ? 'ok' : 'accent' };
  return [...p.head, bar, ...p.tail];
}

/** Rows of the transfer area, their bars one width so the percentages line up. */
export function transferRows(transfers: readonly Transfer[], inner: number, offline = false): LineSpec[] {
  const rooms = transfers.map((t) => rowParts(t, inner, offline)).flatMap((p) => ('whole' in p ? [] : [barRoom(p, inner)]));
  const barWidth = rooms.length > 0 ? Math.min(...rooms) : undefined;
  return transfers.map((t) => transferRow(t, inner, barWidth, offline));
}

/**
 * The batch in one row, like rclone's stats block: files done / total, bytes,
 * rate, ETA, then what needs attention (failures, cancellations, a pause). The
 * most telling numbers come first: on a narrow screen the row is cut at its end.
 */
export function statsRow(v: BatchView): LineSpec {
  const segs: Seg[] = [];
  if (v.paused && !v.complete) segs.push({ text: ' ⏸ paused ', color: 'warn', bold: true });
  segs.push({ text: ` ${v.done}/${v.files} files`, bold: true });
  segs.push({ text: `  ${formatBytes(v.bytesDone)}/${formatBytes(v.bytesTotal)}` });
  if (v.bytesDone > 0) segs.push({ text: `  ${formatRate(v.rate)}` });
  if (!v.complete) segs.push({ text: `  ETA ${formatDuration(v.etaSeconds)}` });
  else if (v.failed === 0 && v.cancelled === 0) segs.push({ text: '  ✓ done', color: 'ok', bold: true });
  if (v.identical > 0) segs.push({ text: `  ${v.identical} identical`, dim: true });
  if (v.skipped > 0) segs.push({ text: `  ${v.skipped} skipped`, dim: true });
  if (v.failed > 0) segs.push({ text: `  ${v.failed} failed`, color: 'error', bold: true });
  if (v.cancelled > 0) segs.push({ text: `  ${v.cancelled} cancelled`, dim: true });
  if (!v.complete) {
    const waiting = [
      v.running > 0 ? `${v.running} running` : '',
      v.queued > 0 ? `${v.queued} queued` : '',
      v.listing > 0 ? `listing ${v.listing === 1 ? 'a folder' : `${v.listing} folders`}…` : '',
    ]
      .filter(Boolean)
      .join(', ');
    if (waiting) segs.push({ text: `  ${waiting}`, dim: true });
  }
  return segs;
}

export interface TransfersAreaProps {
  transfers: Transfer[];
  width: number;
  height: number;
  /** Rows held in all (those not shown are counted in the title). */
  total: number;
  /** The batch's numbers: a stats row above the transfers. */
  stats?: BatchView;
  /** While selecting ('t'): the chosen transfer, drawn reversed, and a focused border. */
  selectedId?: number;
  /** The connection to the server is down (the client is reconnecting). */
  offline?: boolean;
}

export function TransfersArea({ transfers, width, height, total, stats, selectedId, offline = false }: TransfersAreaProps) {
  const inner = width - 2;
  const hiddenCount = total - transfers.length;
  const specs = transferRows(transfers, inner, offline);
  const rows = [
    ...(stats ? [{ key: 'stats', spec: statsRow(stats) }] : []),
    ...transfers.map((t, i) => ({ key: t.id, spec: specs[i]!, inverse: t.id === selectedId })),
  ];
  const right = selectedId !== undefined ? 'x cancel/remove · Esc done' : hiddenCount > 0 ? `+${hiddenCount} more` : undefined;
  return <Frame width={width} height={height} title="transfers" titleRight={right} focused={selectedId !== undefined} rows={rows} />;
}
