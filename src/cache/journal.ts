// The cache index's journal: index.journal, one JSON line per change since
// the last snapshot (index.json). Pure text handling here; the file I/O is
// in index-store.ts.
//
// The first line names the journal's generation; the snapshot names the
// generation whose journal continues it (IndexData.journal). A journal of
// another generation (a compaction half done, or an older ferry that
// rewrote index.json without knowing of journals) is ignored: the snapshot
// alone is then the index.
//
// A change line carries counter deltas and at most one entry change:
//   {"k": root, "e": {...entry}}   the entry is now this (and most recent)
//   {"k": root, "x": 1}            the entry is gone
//   "h": n / "m": n                hits / misses to add
// Lines are applied in order; a put moves its key to the end of the Map, so
// the Map stays in ascending `seq` order (least recently used first).

import { isEntry, type IndexData, type IndexEntry } from './index-file.js';
import { KEY_RE } from './layout.js';

export interface Change {
  key?: string;
  /** The entry's new value; null removes it. */
  entry?: IndexEntry | null;
  hits?: number;
  misses?: number;
}

export function headerLine(gen: string): string {
  return `${JSON.stringify({ ferry: 'cache-journal', version: 1, gen })}\n`;
}

/** The generation a journal's first line names, or undefined when it is not a journal header. */
export function parseHeader(line: string): string | undefined {
  try {
    const v = JSON.parse(line) as Record<string, unknown>;
    if (v?.ferry === 'cache-journal' && v.version === 1 && typeof v.gen === 'string') return v.gen;
  } catch {
    // not a header
  }
  return undefined;
}

export function encodeChange(c: Change): string {
  const o: Record<string, unknown> = {};
  if (c.key !== undefined) {
    o.k = c.key;
    if (c.entry === null) o.x = 1;
    else if (c.entry) o.e = c.entry;
  }
  if (c.hits) o.h = c.hits;
  if (c.misses) o.m = c.misses;
  return `${JSON.stringify(o)}\n`;
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** One journal line (without its newline), or undefined when it does not parse as a change. */
export function decodeChange(line: string): Change | undefined {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const c: Change = {};
  if (v.h !== undefined) {
    if (!isCount(v.h)) return undefined;
    c.hits = v.h;
  }
  if (v.m !== undefined) {
    if (!isCount(v.m)) return undefined;
    c.misses = v.m;
  }
  if (v.k !== undefined) {
    if (typeof v.k !== 'string' || !KEY_RE.test(v.k)) return undefined;
    c.key = v.k;
    if (v.x === 1) c.entry = null;
    else if (isEntry(v.e)) c.entry = v.e;
    else return undefined;
  }
  return c;
}

/** Apply one change; returns the change in total bytes. */
export function applyChange(data: IndexData, c: Change): number {
  data.hits += c.hits ?? 0;
  data.misses += c.misses ?? 0;
  if (c.key === undefined || c.entry === undefined) return 0;
  const old = data.entries.get(c.key);
  data.entries.delete(c.key);
  if (c.entry === null) return -(old?.size ?? 0);
  data.entries.set(c.key, c.entry);
  if (c.entry.seq > data.seq) data.seq = c.entry.seq;
  return c.entry.size - (old?.size ?? 0);
}
