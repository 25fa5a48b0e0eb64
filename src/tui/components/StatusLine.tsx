// The top row: who we are talking to and how that connection is doing, plus the
// cache fill. Connection trouble shows here in place, never as a crash.

import { formatBytes } from '../../format.js';
import type { CacheStats, ConnectionStatus } from '../../client/types.js';
import { displayWidth } from '../text.js';
import { Line, type Seg } from './Line.js';

export interface StatusLineProps {
  width: number;
  serverLabel: string;
  status: ConnectionStatus;
  cache: CacheStats | null;
  running: number;
}

function latency(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 10 ? ` ${ms.toFixed(1)} ms` : ` ${Math.round(ms)} ms`;
}

export function statusSegments({ serverLabel, status, cache, running, width }: StatusLineProps): Seg[] {
  const state: Seg =
    status.state === 'connected'
      ? { text: `● connected${latency(status.latencyMs)}`, color: 'ok' }
      : status.state === 'reconnecting'
        ? { text: `◌ reconnecting${status.error ? `: ${status.error}` : '…'}`, color: 'warn', bold: true }
        : { text: `○ closed${status.error ? `: ${status.error}` : ''}`, color: 'error', bold: true };
  const left: Seg[] = [{ text: ' ferry ', bold: true, color: 'accent' }, { text: ` ▸ ${serverLabel}  ` }, state];
  if (running > 0) left.push({ text: `  ⇅ ${running} running`, color: 'accent' });
  const right = `${cache ? `cache ${formatBytes(cache.bytes)} / ${formatBytes(cache.limit)}   ` : ''}? help `;
  const used = left.reduce((n, s) => n + displayWidth(s.text), 0);
  const gap = width - used - displayWidth(right);
  // On a narrow screen the left side (connection state) matters more than the cache.
  return gap >= 1 ? [...left, { text: ' '.repeat(gap) }, { text: right, dim: true }] : left;
}

export function StatusLine(props: StatusLineProps) {
  return <Line spec={statusSegments(props)} width={props.width} />;
}
