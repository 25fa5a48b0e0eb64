// One redrawn status line on stderr (a progress bar, a hashing counter).
// Drawn only when both stderr and stdout are terminals, and at most about ten
// times a second: output sent to a file or a pipe (`> list.txt`, `| jq`) means
// a script or a log is reading, and a bar then is only noise. The transfer
// reports progress as often as it likes; the screen is never the bottleneck.

import { ASKING_FOR_HASHES, formatBytes, formatDuration, formatRate } from '../format.js';
import type { TransferProgress } from '../client/types.js';
import type { Output } from './io.js';
import { cellWidth } from './table.js';

const REDRAW_MS = 100;

export class StatusLine {
  private last = Number.NEGATIVE_INFINITY;
  private shown = false;

  /** `results`: where the command's own output goes (stdout); no line unless it is a terminal too. */
  constructor(
    private readonly out: Output,
    private readonly options: { results?: Output; now?: () => number } = {},
  ) {}

  private now(): number {
    return this.options.now?.() ?? performance.now();
  }

  get enabled(): boolean {
    return this.out.isTTY === true && (this.options.results?.isTTY ?? true);
  }

  /** Offer a new line; drawn if enough time has passed since the last draw (or `force`). */
  update(render: (columns: number) => string, force = false): void {
    if (!this.enabled) return;
    const t = this.now();
    if (!force && t - this.last < REDRAW_MS) return;
    this.last = t;
    const columns = Math.max(20, this.out.columns ?? 80);
    let text = render(columns);
    // Never wrap: a wrapped status line cannot be erased with \r.
    while (cellWidth(text) > columns - 1 && text.length > 0) text = text.slice(0, -1);
    this.out.write(`\r\x1b[2K${text}`);
    this.shown = true;
  }

  /** Erase the line so ordinary output can follow; the next update redraws it. */
  clear(): void {
    if (!this.shown) return;
    this.out.write('\r\x1b[2K');
    this.shown = false;
    this.last = Number.NEGATIVE_INFINITY;
  }
}

/** `name  [██████░░░░]  45%  12.0 MiB / 27.0 MiB  81.3 MiB/s  ETA 3 s` */
export function renderTransfer(p: TransferProgress, columns: number): string {
  const pct = p.total > 0 ? Math.min(1, p.bytes / p.total) : 1;
  const tail = `${String(Math.floor(pct * 100)).padStart(3)}%  ${formatBytes(p.bytes)} / ${formatBytes(p.total)}  ${formatRate(p.rate)}  ETA ${formatDuration(p.etaSeconds)}`;
  const name = p.path.split('/').pop() ?? p.path;
  const room = columns - cellWidth(tail) - 8;
  const barWidth = Math.max(10, Math.min(40, room - Math.min(cellWidth(name), 24)));
  const filled = Math.round(pct * barWidth);
  const label = name.length > 24 ? `${name.slice(0, 23)}…` : name;
  return `${label}  [${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}]  ${tail}`;
}

/**
 * Shown until the first byte arrives. The server hashes a file version the
 * first time anyone asks for it (about 1.4 s per GB here), so a large new file
 * takes a moment before its bar can start; say what is going on meanwhile.
 */
export function renderWaiting(path: string): string {
  const name = path.split('/').pop() || path || '/';
  return `${name}  ${ASKING_FOR_HASHES}`;
}

/** `hashing 3/10 files  1.2 MiB / 5.0 MiB` */
export function renderHashing(done: { files: number; bytes: number }, plan: { files: number; bytes: number }): string {
  return `hashing ${done.files}/${plan.files} files  ${formatBytes(done.bytes)} / ${formatBytes(plan.bytes)}`;
}
