// The log viewer's model: server records (initial page plus the live follow) and the
// client's own log of actions and outcomes, with a text filter and follow mode.

import { formatBytes } from '../../format.js';
import { Failure } from '../../client/failure.js';
import type { LogRecord } from '../../client/types.js';
import { type ListMove, moveList } from './list-cursor.js';

export interface ClientLogLine {
  time: number;
  level: 'info' | 'error';
  text: string;
}

export type LogSource = 'server' | 'client';

export interface LogsState {
  server: readonly LogRecord[];
  client: readonly ClientLogLine[];
  source: LogSource;
  filter: string;
  follow: boolean;
  /** First line shown when not following. */
  offset: number;
  error: string | null;
}

export type LogsAction =
  | { type: 'serverRecords'; records: readonly LogRecord[]; replace?: boolean }
  | { type: 'client'; line: ClientLogLine }
  /** Lines gathered over a moment (a batch logs a line a file): one change for all of them. */
  | { type: 'clientMany'; lines: readonly ClientLogLine[] }
  | { type: 'source'; source?: LogSource }
  | { type: 'filter'; text: string }
  | { type: 'toggleFollow' }
  | { type: 'scroll'; delta: number; height: number }
  | { type: 'scrollTo'; index: number; height: number }
  | { type: 'list'; move: ListMove; height: number }
  | { type: 'error'; error: string | null };

const MAX_LINES = 5000;

export const initialLogs: LogsState = { server: [], client: [], source: 'server', filter: '', follow: true, offset: 0, error: null };

export function formatRecord(r: LogRecord): string {
  const t = r.time.length >= 19 ? r.time.slice(11, 19) : r.time;
  const args = Object.entries(r.args)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  // Outcome, bytes and time before the arguments: a download's arguments (path,
  // file identity) can be longer than the screen, and the row is cut at its end.
  return `${t}  ${r.client}  ${r.command}  ${r.outcome}  ${formatBytes(r.bytes)}  ${r.ms} ms  ${args}${r.message ? `  ${r.message}` : ''}`;
}

export function formatClientLine(l: ClientLogLine): string {
  const d = new Date(l.time);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}  ${l.level === 'error' ? 'error' : 'info '}  ${l.text}`;
}

/**
 * Whether a drawn line reports a failure (drawn in the error colour): a client
 * line at level error, or a server record whose outcome is an error code. A
 * request the client itself cancelled (a stopped follow, Ctrl-C on a download)
 * is not one; the fields are separated by two spaces (see formatRecord).
 */
export function isFailureLine(source: LogsState['source'], line: string): boolean {
  const fields = line.split('  ');
  if (source === 'client') return fields[1] === 'error';
  const outcome = fields[3];
  return outcome !== undefined && outcome !== 'ok' && outcome !== Failure.Cancelled;
}

/** The lines of the current source that pass the filter (case-insensitive). */
export function logLines(s: LogsState): string[] {
  const all = s.source === 'server' ? s.server.map(formatRecord) : s.client.map(formatClientLine);
  const f = s.filter.toLowerCase();
  return f === '' ? all : all.filter((l) => l.toLowerCase().includes(f));
}

/** The window of lines to draw: the tail when following, else from the offset. */
export function logWindow(s: LogsState, height: number): { lines: string[]; first: number; total: number } {
  const lines = logLines(s);
  const maxOffset = Math.max(0, lines.length - height);
  const first = s.follow ? maxOffset : Math.min(s.offset, maxOffset);
  return { lines: lines.slice(first, first + height), first, total: lines.length };
}

function cap<T>(xs: readonly T[]): readonly T[] {
  return xs.length > MAX_LINES ? xs.slice(xs.length - MAX_LINES) : xs;
}

/**
 * Scroll the window. Following shows the tail; scrolling up leaves follow mode, as
 * in `less +F`; going to the end (G) takes it up again.
 */
function scroll(s: LogsState, m: ListMove, height: number): LogsState {
  const total = logLines(s).length;
  const shape = { length: total, page: height, scroll: true };
  const from = s.follow ? Math.max(0, total - Math.max(1, height)) : s.offset;
  const { top } = moveList({ cursor: from, top: from }, m, shape);
  const toEnd = m.type === 'bottom' || (m.type === 'to' && m.index < 0);
  const forward = m.type === 'down' || m.type === 'pageDown' || (m.type === 'by' && m.delta > 0);
  return { ...s, offset: top, follow: toEnd || (s.follow && forward) };
}

export function logsReducer(s: LogsState, a: LogsAction): LogsState {
  switch (a.type) {
    case 'serverRecords':
      return { ...s, server: cap(a.replace ? a.records : [...s.server, ...a.records]), error: null };
    case 'client':
      return { ...s, client: cap([...s.client, a.line]) };
    case 'clientMany':
      return a.lines.length === 0 ? s : { ...s, client: cap([...s.client, ...a.lines]) };
    case 'source':
      return { ...s, source: a.source ?? (s.source === 'server' ? 'client' : 'server'), offset: 0, follow: true };
    case 'filter':
      return { ...s, filter: a.text, offset: 0 };
    case 'toggleFollow':
      return { ...s, follow: !s.follow, offset: s.follow ? Math.max(0, logLines(s).length - 1) : s.offset };
    case 'scroll':
      return scroll(s, { type: 'by', delta: a.delta }, a.height);
    case 'scrollTo':
      return scroll(s, { type: 'to', index: a.index }, a.height);
    case 'list':
      return scroll(s, a.move, a.height);
    case 'error':
      return { ...s, error: a.error };
  }
}
