// The top row: who we are talking to and how that connection is doing, plus the
// cache fill. Connection trouble shows here in place, never as a crash.

import { formatBytes } from '../../format.js';
import type { CacheStats, ConnectionStatus } from '../../client/types.js';
import { displayWidth, truncate, truncateStart } from '../text.js';
import { Line, type Seg } from './Line.js';

export interface StatusLineProps {
  width: number;
  serverLabel: string;
  status: ConnectionStatus;
  cache: CacheStats | null;
  running: number;
  /** Transfers waiting in the queue. */
  queued?: number;
}

/** Least space between the connection state and the hints on the right. */
const GAP = 3;

function latency(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 10 ? ` ${ms.toFixed(1)} ms` : ` ${Math.round(ms)} ms`;
}

/**
 * "127.0.0.1:2003 (/home/me/.local/share/ferry/sample-share)" in `room`
 * cells: the address stays whole, the folder loses its leading folders first.
 */
export function fitServerLabel(label: string, room: number): string {
  if (displayWidth(label) <= room) return label;
  const m = /^(\S+) \((.*)\)$/.exec(label);
  if (m) {
    const pathRoom = room - displayWidth(m[1]!) - 3;
    if (pathRoom >= 8) {
      // Cut at a folder boundary: "…/share/ferry/sample-share", not "…me/me/.local/…".
      const cut = truncateStart(m[2]!, pathRoom);
      const slash = cut.indexOf('/', 1);
      return `${m[1]} (${cut.startsWith('…') && slash > 0 ? `…${cut.slice(slash)}` : cut})`;
    }
    return truncate(m[1]!, room);
  }
  return truncate(label, room);
}

export function statusSegments({ serverLabel, status, cache, running, queued = 0, width }: StatusLineProps): Seg[] {
  const state: Seg =
    status.state === 'connected'
      ? { text: `● connected${latency(status.latencyMs)}`, color: 'ok' }
      : status.state === 'reconnecting'
        ? { text: `◌ reconnecting${status.error ? `: ${status.error}` : '…'}`, color: 'warn', bold: true }
        : { text: `○ closed${status.error ? `: ${status.error}` : ''}`, color: 'error', bold: true };
  const tail: Seg[] = [state];
  if (running > 0 || queued > 0) tail.push({ text: `  ⇅ ${running} running${queued > 0 ? `, ${queued} queued` : ''}`, color: 'accent' });
  const right = `${cache ? `cache ${formatBytes(cache.bytes)} / ${formatBytes(cache.limit)}   ` : ''}? help `;
  const leftWith = (label: string): Seg[] => [{ text: ' ferry ', bold: true, color: 'accent' }, { text: ` ▸ ${label}  ` }, ...tail];
  const widthOf = (segs: Seg[]) => segs.reduce((n, x) => n + displayWidth(x.text), 0);
  const fixed = widthOf(leftWith(''));
  // A long label (an embedded server's share path) gives way before the cache
  // and help hints do; on a screen too narrow even then, the hints go, since
  // the connection state matters more.
  const room = width - fixed - displayWidth(right) - GAP;
  const withRight = room >= Math.min(16, displayWidth(serverLabel));
  const label = fitServerLabel(serverLabel, withRight ? room : width - fixed);
  const left = leftWith(label);
  if (!withRight) return left;
  const used = widthOf(left);
  return [...left, { text: ' '.repeat(Math.max(GAP, width - used - displayWidth(right))) }, { text: right, dim: true }];
}

export function StatusLine(props: StatusLineProps) {
  return <Line spec={statusSegments(props)} width={props.width} />;
}
