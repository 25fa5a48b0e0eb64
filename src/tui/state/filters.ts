// Filters a pane can carry, the chips that show them, and the local-time parsing
// the shortlist form accepts.

import { formatTime } from '../../format.js';
import { isDateOnly, parseTime } from '../../client/time.js';

export interface Filters {
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

/** '[ext .jpg]', '[2020-03-10 → 2030-01-01]', '[grep "todo"]'. */
export function filterChips(f: Filters): string[] {
  const chips: string[] = [];
  if (f.ext) chips.push(`[ext ${f.ext}]`);
  if (f.after !== undefined || f.before !== undefined) {
    const a = f.after === undefined ? '…' : shortTime(f.after);
    const b = f.before === undefined ? '…' : shortTime(f.before);
    chips.push(`[${a} → ${b}]`);
  }
  if (f.keyword) chips.push(`[grep "${f.keyword}"]`);
  return chips;
}

export function hasFilters(f: Filters): boolean {
  return f.ext !== undefined || f.after !== undefined || f.before !== undefined || (f.keyword ?? '') !== '';
}
