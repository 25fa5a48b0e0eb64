// Timestamps typed by people: the classic `IndexGet shortlist` bounds, the
// CLI's START/END and the TUI's date filter all go through here, so every
// surface accepts the same spellings and rejects the same mistakes.

import { ErrorCode, FerryError } from '../protocol/errors.js';

// YYYY-MM-DD, then optionally (space or T) HH:MM[:SS[.fff]], then optionally Z or ±HH[:MM].
const ABSOLUTE = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

// '3d ago', '90m ago', '-2h': relative to `now`, handy in scripts.
const RELATIVE = /^(?:-\s*(\d+(?:\.\d+)?)\s*([smhdw])|(\d+(?:\.\d+)?)\s*([smhdw])\s+ago)$/i;
const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

export const TIME_FORMATS =
  "'YYYY-MM-DD HH:MM:SS', 'YYYY-MM-DDTHH:MM:SS', 'YYYY-MM-DD' (local time unless Z or +HH:MM is given), 'now', 'today', 'yesterday', '3d ago'";

function bad(text: string, why: string): FerryError {
  return new FerryError(ErrorCode.BadRequest, `invalid time '${text}': ${why}`);
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function startOfLocalDay(ms: number): Date {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d;
}

/** True when `text` names a calendar day with no time of day ('2024-05-01', 'today'). */
export function isDateOnly(text: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === 'today' || t === 'yesterday') return true;
  const m = ABSOLUTE.exec(t);
  return m !== null && m[4] === undefined && m[8] === undefined;
}

/**
 * Parse a timestamp into milliseconds since the epoch. Throws a BAD_REQUEST
 * FerryError naming the problem when the text is not a time or not a real date.
 */
export function parseTime(text: string, now: Date = new Date()): number {
  const t = text.trim();
  if (t === '') throw bad(text, `expected one of ${TIME_FORMATS}`);
  const lower = t.toLowerCase();
  if (lower === 'now') return now.getTime();
  if (lower === 'today') return startOfLocalDay(now.getTime()).getTime();
  if (lower === 'yesterday') {
    const d = startOfLocalDay(now.getTime());
    d.setDate(d.getDate() - 1);
    return d.getTime();
  }
  const rel = RELATIVE.exec(t);
  if (rel) {
    const amount = Number(rel[1] ?? rel[3]);
    const unit = (rel[2] ?? rel[4] ?? 's').toLowerCase();
    return now.getTime() - Math.round(amount * (UNIT_MS[unit] ?? 0));
  }

  const m = ABSOLUTE.exec(t);
  if (!m) throw bad(text, `expected one of ${TIME_FORMATS}`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  // Only milliseconds survive; extra digits are truncated, not rounded, so a
  // bound never moves past the instant the user wrote.
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));

  if (month < 1 || month > 12) throw bad(text, `there is no month ${month}`);
  const lastDay = monthLength(year, month);
  if (day < 1 || day > lastDay) throw bad(text, `${year}-${pad(month)} has ${lastDay} days`);
  if (hour > 23) throw bad(text, 'hours run from 00 to 23');
  if (minute > 59) throw bad(text, 'minutes run from 00 to 59');
  if (second > 59) throw bad(text, 'seconds run from 00 to 59');

  const zone = m[8];
  if (zone === undefined) {
    const d = new Date(2000, 0, 1, 0, 0, 0, 0);
    // setFullYear keeps years 0–99 literal (the Date constructor maps them to 19xx).
    d.setFullYear(year, month - 1, day);
    d.setHours(hour, minute, second, millis);
    return d.getTime();
  }
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, millis);
  return d.getTime() - zoneOffsetMs(zone, text);
}

function zoneOffsetMs(zone: string, text: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 23 || minutes > 59) throw bad(text, `'${zone}' is not a time-zone offset`);
  return sign * (hours * 60 + minutes) * 60e3;
}

function monthLength(year: number, month: number): number {
  const lengths = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return lengths[month - 1] ?? 0;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

export interface TimeRange {
  /** Keep entries modified strictly after this instant (ms). */
  after: number;
  /** Keep entries modified strictly before this instant (ms). */
  before: number;
}

/**
 * Parse a START/END pair. An END written as a bare day ('2024-05-31') means the
 * end of that day, so `2024-05-01 2024-05-31` covers all of May as people expect.
 * Throws BAD_REQUEST when START is after END.
 */
export function parseTimeRange(start: string, end: string, now: Date = new Date()): TimeRange {
  const after = parseTime(start, now);
  let before = parseTime(end, now);
  if (isDateOnly(end)) {
    const d = new Date(before);
    d.setDate(d.getDate() + 1);
    before = d.getTime();
  }
  if (after > before) {
    throw new FerryError(ErrorCode.BadRequest, `start '${start.trim()}' is after end '${end.trim()}'`);
  }
  return { after, before };
}
