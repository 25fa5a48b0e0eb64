// One command-log line: how a record is checked when read back and bounded
// before it is written. A request can carry 4 KiB paths and handlers add
// notes, so without a bound one line could outgrow the ITEM frame that
// `ferry logs` sends it in, and a request loop could fill the disk faster.

import type { LogRecord } from '../protocol/messages.js';

/**
 * Longest string kept in a line (characters). 1,024 shows any real path's
 * start and its share-relative context; the cut says how much was left out.
 */
export const MAX_LOG_FIELD_CHARS = 1024;
/** Keys kept per object and elements per array in `args`: requests have a handful. */
const MAX_LOG_ENTRIES = 32;
/** Nesting kept in `args`: requests and notes are flat; deeper is cut to a marker. */
const MAX_LOG_DEPTH = 4;
/**
 * Longest line written (bytes, newline excluded). Well under MAX_HEADER_BYTES
 * (64 KiB) so a record always fits one ITEM frame with room for others, and a
 * line of escaped control characters (6 bytes each in JSON) still fits.
 */
export const MAX_LOG_LINE_BYTES = 16 * 1024;

export function isLogRecord(v: unknown): v is LogRecord {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.time === 'string' &&
    typeof r.client === 'string' &&
    typeof r.command === 'string' &&
    typeof r.args === 'object' &&
    r.args !== null &&
    typeof r.outcome === 'string' &&
    typeof r.bytes === 'number' &&
    typeof r.ms === 'number' &&
    (r.message === undefined || typeof r.message === 'string')
  );
}

/** A parsed line, or undefined for torn, invalid or foreign lines. */
export function parseLogLine(line: Buffer): LogRecord | undefined {
  if (line.length === 0) return undefined;
  try {
    const v: unknown = JSON.parse(line.toString('utf8'));
    return isLogRecord(v) ? boundRecord(v) : undefined;
  } catch {
    return undefined;
  }
}

function cutString(s: string, max = MAX_LOG_FIELD_CHARS): string {
  if (s.length <= max) return s;
  let end = max;
  // Never split a surrogate pair: half a character is not valid text.
  const code = s.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${s.slice(0, end)}… (${s.length - end} more characters)`;
}

function bound(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return cutString(v);
  if (typeof v !== 'object' || v === null) return typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint' ? String(v) : v;
  if (depth >= MAX_LOG_DEPTH) return '…';
  if (Array.isArray(v)) {
    const kept = v.slice(0, MAX_LOG_ENTRIES).map((x) => bound(x, depth + 1));
    if (v.length > MAX_LOG_ENTRIES) kept.push(`… (${v.length - MAX_LOG_ENTRIES} more)`);
    return kept;
  }
  const out: Record<string, unknown> = {};
  const keys = Object.keys(v);
  for (const k of keys.slice(0, MAX_LOG_ENTRIES)) out[cutString(k, 64)] = bound((v as Record<string, unknown>)[k], depth + 1);
  if (keys.length > MAX_LOG_ENTRIES) out['…'] = `${keys.length - MAX_LOG_ENTRIES} more keys`;
  return out;
}

/** The record with every string cut and `args` pruned, so it serialises within MAX_LOG_LINE_BYTES. */
export function boundRecord(r: LogRecord): LogRecord {
  const short = (s: string) => cutString(s, 256); // time, client, command, outcome: short by nature
  const bounded: LogRecord = {
    time: short(r.time),
    client: short(r.client),
    command: short(r.command),
    args: bound(r.args, 0) as Record<string, unknown>,
    outcome: short(r.outcome),
    bytes: r.bytes,
    ms: r.ms,
    ...(r.message !== undefined ? { message: cutString(r.message) } : {}),
  };
  if (Buffer.byteLength(JSON.stringify(bounded)) <= MAX_LOG_LINE_BYTES) return bounded;
  // Still too long (many long fields, or text that JSON escapes 6 to 1): keep
  // what identifies the request and the outcome, say the arguments were dropped.
  return { ...bounded, args: { truncated: 'arguments too long to log' }, ...(r.message !== undefined ? { message: cutString(r.message, 256) } : {}) };
}

/** One line of the log file (with its newline), bounded. */
export function formatLogLine(r: LogRecord): string {
  return JSON.stringify(boundRecord(r)) + '\n';
}

/** The record that stands for `n` lines left out (a stalled disk, a follower's full backlog); `why` says which. */
export function droppedRecord(n: number, why: string): LogRecord {
  return {
    time: new Date().toISOString(),
    client: '-',
    command: 'log',
    args: { dropped: n },
    outcome: 'dropped',
    bytes: 0,
    ms: 0,
    message: `${n} lines ${why}`,
  };
}
