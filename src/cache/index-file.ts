// The index's snapshot on disk: one JSON document, always replaced whole
// (temp, fsync, rename), so a reader sees either the old or the new version,
// never half. The changes since are in the journal (journal.ts); the two are
// read and written by index-store.ts.
// Parsing is defensive: a damaged document reads as "torn" and the repair
// rebuilds from the content files; a single bad entry is dropped on its own.
//
// Version 2 keys entries by the content's BLAKE3 root and keeps its MD5 in
// the entry (what users see and type). Version 1 was keyed by MD5; it is read
// here only so that migrate.ts can carry its entries over.

import type { CacheEntryInfo } from './types.js';
import { KEY_RE, MD5_RE } from './layout.js';

export interface IndexEntry {
  /** The content's MD5 as the server reported it (the BLAKE3 root is the key). */
  md5: string;
  size: number;
  remotePath: string;
  server: string;
  lastAccess: string;
  hits: number;
  added: string;
  /**
   * Access order. ISO times tie within a millisecond, so LRU goes by this
   * counter (taken from IndexData.seq under the lock), which never ties.
   */
  seq: number;
}

export const INDEX_VERSION = 2;

export interface IndexData {
  version: typeof INDEX_VERSION;
  seq: number;
  hits: number;
  misses: number;
  /** The generation of the journal that continues this snapshot (journal.ts); absent when none does. */
  journal?: string;
  /** Kept in ascending `seq` order (least recently used first): eviction walks it from the start. */
  entries: Map<string, IndexEntry>;
}

export function emptyIndex(): IndexData {
  return { version: INDEX_VERSION, seq: 0, hits: 0, misses: 0, entries: new Map() };
}

/** A version 1 index: entries keyed by MD5, without one of their own. */
export interface LegacyIndex {
  seq: number;
  hits: number;
  misses: number;
  entries: Map<string, Omit<IndexEntry, 'md5'>>;
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isTime = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));

function parseEntry(raw: unknown): Omit<IndexEntry, 'md5'> | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (!isCount(r.size) || !isCount(r.hits) || !isCount(r.seq)) return undefined;
  if (typeof r.remotePath !== 'string' || typeof r.server !== 'string') return undefined;
  if (!isTime(r.lastAccess) || !isTime(r.added)) return undefined;
  return {
    size: r.size,
    remotePath: r.remotePath,
    server: r.server,
    lastAccess: r.lastAccess,
    hits: r.hits,
    added: r.added,
    seq: r.seq,
  };
}

/** A whole current entry (as a journal line carries it). */
export function isEntry(raw: unknown): raw is IndexEntry {
  const md5 = (raw as Record<string, unknown> | null)?.md5;
  return parseEntry(raw) !== undefined && typeof md5 === 'string' && MD5_RE.test(md5);
}

/** The document's header fields and raw entries, when it has the given version. */
function parseDocument(text: string, version: number): (Omit<LegacyIndex, 'entries'> & { entries: object; journal?: string }) | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (r.version !== version || !isCount(r.seq) || !isCount(r.hits) || !isCount(r.misses)) return undefined;
  if (typeof r.entries !== 'object' || r.entries === null || Array.isArray(r.entries)) return undefined;
  const doc = { seq: r.seq, hits: r.hits, misses: r.misses, entries: r.entries };
  return typeof r.journal === 'string' ? { ...doc, journal: r.journal } : doc;
}

/** The index in text, or undefined when it is not a readable (current) index at all. */
export function parseIndex(text: string): IndexData | undefined {
  const doc = parseDocument(text, INDEX_VERSION);
  if (!doc) return undefined;
  const data: IndexData = { version: INDEX_VERSION, seq: doc.seq, hits: doc.hits, misses: doc.misses, entries: new Map() };
  if (doc.journal !== undefined) data.journal = doc.journal;
  const found: Array<[string, IndexEntry]> = [];
  for (const [key, value] of Object.entries(doc.entries)) {
    const entry = parseEntry(value);
    const md5 = (value as Record<string, unknown>)?.md5;
    if (KEY_RE.test(key) && entry && typeof md5 === 'string' && MD5_RE.test(md5)) found.push([key, { md5, ...entry }]);
  }
  for (const [key, e] of found.sort((a, b) => a[1].seq - b[1].seq)) data.entries.set(key, e);
  return data;
}

/** A version 1 index in text, or undefined when it is not one. */
export function parseLegacyIndex(text: string): LegacyIndex | undefined {
  const doc = parseDocument(text, 1);
  if (!doc) return undefined;
  const legacy: LegacyIndex = { seq: doc.seq, hits: doc.hits, misses: doc.misses, entries: new Map() };
  for (const [md5, value] of Object.entries(doc.entries)) {
    const entry = parseEntry(value);
    if (MD5_RE.test(md5) && entry) legacy.entries.set(md5, entry);
  }
  return legacy;
}

export function serializeIndex(data: IndexData): string {
  const entries: Record<string, IndexEntry> = {};
  for (const [key, e] of data.entries) entries[key] = e;
  const doc = { version: data.version, seq: data.seq, hits: data.hits, misses: data.misses, ...(data.journal ? { journal: data.journal } : {}), entries };
  return JSON.stringify(doc, null, 1) + '\n';
}

export function toInfo(key: string, e: IndexEntry): CacheEntryInfo {
  return {
    blake3: key,
    md5: e.md5,
    size: e.size,
    remotePath: e.remotePath,
    server: e.server,
    lastAccess: e.lastAccess,
    hits: e.hits,
    added: e.added,
  };
}

/** Put the entries back in ascending seq order (after building them in another). */
export function sortBySeq(data: IndexData): void {
  const sorted = [...data.entries].sort((a, b) => a[1].seq - b[1].seq);
  data.entries = new Map(sorted);
}

/** Entries, most recently used first. */
export function byRecency(data: IndexData): Array<[string, IndexEntry]> {
  return [...data.entries].sort((a, b) => b[1].seq - a[1].seq || (a[0] < b[0] ? -1 : 1));
}

export function totalBytes(data: IndexData): number {
  let sum = 0;
  for (const e of data.entries.values()) sum += e.size;
  return sum;
}

/**
 * Least recently used entries to drop so that `incoming` more bytes fit
 * under `limit`. Returns their keys, oldest first. Walks the Map in its
 * order (ascending seq, see IndexData), so it costs only the victims
 * when the caller knows the total.
 */
export function pickVictims(data: IndexData, incoming: number, limit: number, total = totalBytes(data)): string[] {
  total += incoming;
  const victims: string[] = [];
  if (total <= limit) return victims;
  for (const [key, e] of data.entries) {
    if (total <= limit) break;
    victims.push(key);
    total -= e.size;
  }
  return victims;
}
