// Filters a pane can carry, the chips that show them, and the local-time parsing
// the shortlist form accepts.

import { formatTime } from '../../format.js';
import { isDateOnly, parseTime } from '../../client/time.js';
import { displayWidth, truncate } from '../text.js';

export interface Filters {
  /** Names in the folder shown holding this, as typed after '/' (no listing: the view narrows). */
  name?: string;
  /** Find by name in the whole tree below (F). */
  find?: string;
  ext?: string;
  /** Modified strictly after / before, ms since the epoch. */
  after?: number;
  before?: number;
  keyword?: string;
}

/**
 * 'YYYY-MM-DD HH:MM:SS', 'YYYY-MM-DDTHH:MM:SS' or a bare 'YYYY-MM-DD', in local time,
 * through the same parser as the CLI and the classic commands so every surface
 * accepts the same spellings. Null when the text is not a real time.
 * As an end bound (`end: true`) a bare date means the end of that day.
 */
export function parseLocalTime(text: string, end = false): number | null {
  try {
    const ms = parseTime(text);
    if (!end || !isDateOnly(text)) return ms;
    const d = new Date(ms);
    d.setDate(d.getDate() + 1);
    return d.getTime();
  } catch {
    return null;
  }
}

/** '.JPG', 'jpg', '*.jpg' → '.jpg'; '' → undefined. */
export function normalizeExt(text: string): string | undefined {
  const t = text.trim().replace(/^\*/, '').toLowerCase();
  if (t === '') return undefined;
  return t.startsWith('.') ? t : `.${t}`;
}

function shortTime(ms: number): string {
  const t = formatTime(ms);
  return t.endsWith(' 00:00:00') ? t.slice(0, 10) : t.slice(0, 16);
}

/** The parts of each chip: what it is and its value (the value is what gets shortened). */
function chipParts(f: Filters): Array<[string, string, string]> {
  const chips: Array<[string, string, string]> = [];
  if (f.name) chips.push(['[/', f.name, ']']);
  if (f.find) chips.push(['[find "', f.find, '"]']);
  if (f.ext) chips.push(['[ext ', f.ext, ']']);
  if (f.after !== undefined || f.before !== undefined) {
    const a = f.after === undefined ? '…' : shortTime(f.after);
    const b = f.before === undefined ? '…' : shortTime(f.before);
    chips.push(['[', `${a} → ${b}`, ']']);
  }
  if (f.keyword) chips.push(['[grep "', f.keyword, '"]']);
  return chips;
}

/**
 * '[ext .jpg]', '[2020-03-10 → 2030-01-01]', '[grep "todo"]', '[find "rep"]', '[/ rep]'.
 * Within `room` columns: the longest value is shortened first ('[grep "a very l…"]'),
 * so every filter keeps its chip and its brackets.
 */
export function filterChips(f: Filters, room = Number.POSITIVE_INFINITY): string[] {
  const parts = chipParts(f);
  const values = parts.map(([, v]) => v);
  const text = () => parts.map(([a, , z], i) => a + values[i] + z);
  const width = () => displayWidth(text().join(' '));
  while (width() > room) {
    let longest = -1;
    for (let i = 0; i < values.length; i++) if (longest < 0 || displayWidth(values[i]!) > displayWidth(values[longest]!)) longest = i;
    const w = longest < 0 ? 0 : displayWidth(values[longest]!);
    if (w <= 2) break;
    values[longest] = truncate(values[longest]!, w - 1);
  }
  return text();
}

export function hasFilters(f: Filters): boolean {
  return isTreeSearch(f) || (f.name ?? '') !== '';
}

/** Filters that search the whole tree below the folder and list the results flat (the CLI's `index` filters, and find). */
export function isTreeSearch(f: Filters): boolean {
  return (f.ext ?? '') !== '' || f.after !== undefined || f.before !== undefined || (f.keyword ?? '') !== '' || (f.find ?? '') !== '';
}
