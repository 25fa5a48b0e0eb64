// How results look, in one place, so `ferry index` and the shell's IndexGet
// (and the other pairs) print exactly the same thing.

import { formatBytes, formatRate, formatTime, plural } from '../format.js';
import type { DownloadResult, Entry, HashResult, LogRecord, UploadResult } from '../client/types.js';
import { cellWidth, cut, fitLine, headerWidths, measure, pad, printable, renderTable, type TableLayout, tableLayout, tableLine, type Column } from './table.js';

/** The --json shape of a listing row: the Entry without the redundant mtimeMs. */
export function entryJson(e: Entry): { path: string; name: string; ext: string; size: number; mtime: string; type: string; link?: string; target?: string } {
  return {
    path: e.path,
    name: e.name,
    ext: e.ext,
    size: e.size,
    mtime: e.mtime,
    type: e.type,
    ...(e.link ? { link: e.link } : {}),
    ...(e.target !== undefined ? { target: e.target } : {}),
  };
}

export function hashJson(h: HashResult): {
  path: string;
  md5: string;
  blake3?: string;
  size: number;
  mtime: string;
  error?: { reason: string; message: string };
} {
  return { path: h.path, md5: h.md5, ...(h.blake3 ? { blake3: h.blake3 } : {}), size: h.size, mtime: h.mtime, ...(h.error ? { error: h.error } : {}) };
}

/** Where a broken link points, as far as the server tells. */
function linkText(e: Entry): string {
  return e.target ?? (e.link === 'outside' ? '(outside the share)' : '(missing)');
}

const entryColumns: Column<Entry>[] = [
  { header: 'PATH', value: (e) => printable(e.type === 'dir' ? `${e.path}/` : e.type === 'link' ? `${e.path} -> ${linkText(e)}` : e.path), cut: 'start' },
  { header: 'SIZE', value: (e) => (e.type === 'dir' ? '-' : e.type === 'link' ? 'broken' : formatBytes(e.size)), align: 'right' },
  { header: 'MODIFIED', value: (e) => formatTime(e.mtimeMs), drop: 2 },
  { header: 'TYPE', value: (e) => e.type, drop: 1 },
];

/**
 * A listing as an aligned table, for rows that stream: every entry is first
 * counted (column widths, totals) as it arrives, then printed one line at a
 * time, so the rows themselves need not be held in between.
 */
export class EntryTable {
  private readonly natural = headerWidths(entryColumns);
  private layout: TableLayout | undefined;
  private files = 0;
  private dirs = 0;
  private links = 0;
  private bytes = 0;

  /** `width`: the terminal's, which the table then fits. */
  constructor(private readonly width?: number) {}

  count(e: Entry): void {
    measure(entryColumns, this.natural, e);
    if (e.type === 'file') {
      this.files++;
      this.bytes += e.size;
    } else if (e.type === 'dir') this.dirs++;
    else this.links++;
  }

  get empty(): boolean {
    return this.files + this.dirs + this.links === 0;
  }

  header(): string {
    return tableLine(
      entryColumns,
      this.laidOut(),
      entryColumns.map((c) => c.header),
      this.width,
    );
  }

  line(e: Entry): string {
    return tableLine(
      entryColumns,
      this.laidOut(),
      entryColumns.map((c) => c.value(e)),
      this.width,
    );
  }

  summary(): string {
    const links = this.links > 0 ? `, ${plural(this.links, 'broken link')}` : '';
    const summary = `${plural(this.files, 'file')}, ${plural(this.dirs, 'folder')}, ${formatBytes(this.bytes)}${links}`;
    return this.empty ? `no matching entries (${summary})` : summary;
  }

  private laidOut(): TableLayout {
    this.layout ??= tableLayout(entryColumns, this.natural, this.width);
    return this.layout;
  }
}

/** An aligned table of entries and a summary line; `width`: the terminal's, which the table then fits. */
export function entryLines(entries: readonly Entry[], width?: number): string[] {
  const table = new EntryTable(width);
  for (const e of entries) table.count(e);
  if (table.empty) return [table.summary()];
  return [table.header(), ...entries.map((e) => table.line(e)), table.summary()];
}

/** One element of a JSON array as JSON.stringify(array, null, 2) writes it. */
export function jsonElement(value: unknown): string {
  return `  ${JSON.stringify(value, null, 2).replaceAll('\n', '\n  ')}`;
}

// Hash rows are printed as they arrive, so the columns have fixed widths
// instead of being measured over the whole result.
const SIZE_WIDTH = 10;

export function hashHeader(blake3 = false, width?: number): string {
  return fitLine(`${pad('MD5', 32)}  ${blake3 ? `${pad('BLAKE3', 64)}  ` : ''}${pad('SIZE', SIZE_WIDTH, 'right')}  ${pad('MODIFIED', 19)}  PATH`, width);
}

/** The narrowest the path becomes before the line itself is cut. */
const MIN_HASH_PATH = 12;

/**
 * One result. Given the terminal's `width`, the path gives way from its start
 * (keeping the name), then the line at its end; to a pipe every line is whole.
 */
export function hashLine(h: HashResult, width?: number): string {
  // Where the MD5 would be, the reason, as wide: the columns stay lined up.
  const head = `${h.error ? pad(`! ${h.error.reason}`, 32) : h.md5}  ${h.blake3 ? `${h.blake3}  ` : ''}`;
  const fixed = `${head}${pad(formatBytes(h.size), SIZE_WIDTH, 'right')}  ${formatTime(h.mtimeMs)}  `;
  const tail = `${printable(h.path)}${h.error ? `  (${printable(h.error.message)})` : ''}`;
  if (width === undefined) return fixed + tail;
  return fitLine(fixed + cut(tail, Math.max(MIN_HASH_PATH, width - cellWidth(fixed)), 'start'), width);
}

export function hashSummary(results: readonly HashResult[], seconds: number): string {
  const bytes = results.reduce((sum, r) => sum + (r.error ? 0 : r.size), 0);
  const failed = results.filter((r) => r.error).length;
  const hashed = `${plural(results.length - failed, 'file')}, ${formatBytes(bytes)} hashed in ${seconds.toFixed(2)} s`;
  return failed > 0 ? `${hashed}; ${plural(failed, 'file')} could not be read` : hashed;
}

export function downloadJson(r: DownloadResult): Record<string, unknown> {
  const json: Record<string, unknown> = {
    path: r.path,
    dest: r.dest,
    bytes: r.bytes,
    transferred: r.transferred,
    md5: r.md5,
    verified: r.verified,
    ...(r.check ? { check: r.check, blake3: r.blake3 } : {}),
    transport: r.transport,
    cache: r.cache,
    seconds: r.seconds,
  };
  if (r.resumedFrom !== undefined) json.resumedFrom = r.resumedFrom;
  if (r.restarted) json.restarted = true;
  if (r.identical) json.identical = true;
  if (r.skipped) json.skipped = r.skipped;
  if (r.udp) json.udp = r.udp;
  if (r.refetchedChunks) json.refetchedChunks = r.refetchedChunks;
  if (r.counts) json.counts = r.counts;
  if (r.files) json.files = r.files.map(downloadJson);
  return json;
}

const CACHE_WORDS = { hit: 'hit (served from the local cache)', miss: 'miss (fetched and kept in the cache)', bypass: 'bypass (cache not used)' };

function rateOf(bytes: number, seconds: number): string {
  return formatRate(seconds > 0 ? bytes / seconds : 0);
}

export function downloadLines(r: DownloadResult, width?: number): string[] {
  if (r.files) return treeLines(r, width);
  if (r.counts) return treeSummary(r);
  const name = r.path.split('/').pop() ?? r.path;
  if (r.skipped) {
    const why = r.skipped === 'newer-here' ? 'the copy here is as new or newer (--update)' : 'a different file is already there (--skip-existing)';
    return [`${printable(name)}  skipped: ${why}`, `  kept       ${printable(r.dest)}`];
  }
  const lines = [
    `${printable(name)}  ${formatBytes(r.bytes)}  ${formatTime(Date.parse(r.mtime))}`,
    `  saved to   ${printable(r.dest)}${r.identical ? ' (already there, unchanged)' : ''}`,
    `  md5        ${r.md5} (${r.check === 'blake3+md5' ? 'verified here too' : "the server's, of the verified bytes"})`,
    ...(r.blake3 ? [`  blake3     ${r.blake3} (every chunk checked)`] : []),
    `  cache      ${r.identical ? 'not needed' : (CACHE_WORDS[r.cache] ?? r.cache)}`,
    r.transferred > 0
      ? `  transfer   ${r.transport.toUpperCase()}, ${r.transferred} bytes in ${r.seconds.toFixed(2)} s (${rateOf(r.transferred, r.seconds)})`
      : `  transfer   none needed (${r.seconds.toFixed(2)} s)`,
  ];
  if (r.resumedFrom) lines.push(`  resumed    from byte ${r.resumedFrom} of an interrupted download`);
  if (r.restarted) lines.push('  restarted  the file changed on the server since the interrupted attempt');
  if (r.refetchedChunks) lines.push(`  refetched  ${plural(r.refetchedChunks, 'chunk')} that failed the check on the way`);
  if (r.udp) {
    const u = r.udp;
    lines.push(
      `  udp        ${plural(u.datagramsSent, 'datagram')} sent, ${u.datagramsRetransmitted} retransmitted, ${u.lossPercent.toFixed(1)} % loss, ${u.datagramBytes}-byte datagrams`,
    );
  }
  return lines;
}

const treeColumns: Column<DownloadResult>[] = [
  { header: 'PATH', value: (f) => printable(f.path), cut: 'start' },
  { header: 'SIZE', value: (f) => formatBytes(f.bytes), align: 'right' },
  { header: 'MODIFIED', value: (f) => formatTime(Date.parse(f.mtime)), drop: 2 },
  { header: 'MD5', value: (f) => f.md5, drop: 3 },
  { header: 'CACHE', value: (f) => (f.skipped ? 'skipped' : f.cache), drop: 1 },
];

/** A recursive download: one row per file, then the totals. */
function treeLines(r: DownloadResult, width?: number): string[] {
  const files = r.files ?? [];
  return [
    ...(files.length > 0 ? renderTable(treeColumns, files, width) : []),
    r.verified
      ? `${plural(files.length, 'file')}, ${formatBytes(r.bytes)} saved under ${printable(r.dest)}, all verified`
      : `${plural(files.length, 'file')} under ${printable(r.dest)}: ${plural(files.filter((f) => f.skipped).length, 'file')} skipped, the others verified`,
    `  transfer   ${r.transport.toUpperCase()}, ${r.transferred} bytes in ${r.seconds.toFixed(2)} s (${rateOf(r.transferred, r.seconds)})`,
  ];
}

/** A recursive download kept as counts (the CLI's: a tree of any size): the totals only. */
function treeSummary(r: DownloadResult): string[] {
  const c = r.counts!;
  const kept = [c.identical > 0 ? `${c.identical} already here` : '', c.skipped > 0 ? `${c.skipped} skipped` : ''].filter(Boolean);
  return [
    `${plural(c.files, 'file')}, ${formatBytes(r.bytes)} under ${printable(r.dest)}: ${c.fetched} fetched${kept.length > 0 ? `, ${kept.join(', ')}` : ''}${r.verified ? ', all verified' : ', the others verified'}`,
    `  transfer   ${r.transport.toUpperCase()}, ${r.transferred} bytes in ${r.seconds.toFixed(2)} s (${rateOf(r.transferred, r.seconds)})`,
  ];
}

export function uploadLines(localPath: string, r: UploadResult): string[] {
  if (r.files) {
    return [
      `${printable(localPath)} → ${printable(r.path)}/  ${plural(r.files.length, 'file')}, ${formatBytes(r.bytes)}, each verified by the server`,
      `  transfer   ${r.bytes} bytes in ${r.seconds.toFixed(2)} s (${rateOf(r.bytes, r.seconds)})`,
    ];
  }
  return [
    `${printable(localPath)} → ${printable(r.path)}  ${formatBytes(r.bytes)}`,
    `  md5        ${r.md5} (verified by the server)`,
    `  transfer   ${r.bytes} bytes in ${r.seconds.toFixed(2)} s (${rateOf(r.bytes, r.seconds)})`,
  ];
}

const COMMAND_WIDTH = 72;

/**
 * `download notes.txt` / `list docs ext=.txt after=2024-01-01 00:00:00`: the
 * command and its arguments on one line. Structured arguments (file identities)
 * are left to --json; time bounds are shown as times, not milliseconds.
 */
export function describeCommand(r: LogRecord): string {
  const parts = [r.command];
  for (const [key, value] of Object.entries(r.args ?? {})) {
    if (value === undefined || value === null || value === false || typeof value === 'object') continue;
    const text = (key === 'after' || key === 'before') && typeof value === 'number' ? formatTime(value) : String(value);
    const shown = /[\s"']/.test(text) && key !== 'after' && key !== 'before' ? JSON.stringify(text) : text;
    parts.push(key === 'path' ? shown : value === true ? key : `${key}=${shown}`);
  }
  const line = printable(parts.join(' '));
  return line.length > COMMAND_WIDTH ? `${line.slice(0, COMMAND_WIDTH - 1)}…` : line;
}

export const logColumns: Column<LogRecord>[] = [
  { header: 'TIME', value: (r) => formatTime(Date.parse(r.time)), drop: 3 },
  { header: 'CLIENT', value: (r) => r.client, drop: 2 },
  { header: 'COMMAND', value: describeCommand, cut: 'end' },
  { header: 'OUTCOME', value: (r) => r.outcome },
  { header: 'BYTES', value: (r) => String(r.bytes), align: 'right' },
  { header: 'MS', value: (r) => String(Math.round(r.ms)), align: 'right', drop: 1 },
];

/**
 * The widths of the followed log's columns for a terminal of `width`: the command
 * gives way (as in the table) so outcome, bytes and time stay on screen.
 */
function followWidths(widths: number[], width: number | undefined): number[] {
  if (width === undefined) return widths;
  const command = logColumns.findIndex((c) => c.cut);
  const others = widths.reduce((sum, w, i) => (i === command ? sum : sum + w), 0) + 2 * (logColumns.length - 1);
  return widths.map((w, i) => (i === command ? Math.max(8, Math.min(w, width - others)) : w));
}

/** The header of the followed log. */
export function logHeader(widths: number[], width?: number): string {
  const w = followWidths(widths, width);
  return fitLine(
    logColumns
      .map((c, i) => pad(c.header, w[i] ?? 0, c.align))
      .join('  ')
      .trimEnd(),
    width,
  );
}

/** Log rows arriving one at a time (ferry logs --follow) with the table's columns at fixed widths, within `width`. */
export function logLine(r: LogRecord, widths: number[], width?: number): string {
  const w = followWidths(widths, width);
  return fitLine(
    logColumns
      .map((c, i) => pad(c.cut && width !== undefined ? cut(c.value(r), w[i] ?? 0, c.cut) : c.value(r), w[i] ?? 0, c.align))
      .join('  ')
      .trimEnd(),
    width,
  );
}
