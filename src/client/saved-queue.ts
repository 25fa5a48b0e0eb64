// The app's unfinished transfers, kept across a quit: a small JSON file in the
// client's state folder listing what was left (paths, direction, destination),
// written whole under a temporary name, synced and renamed, so a crash leaves
// the old file or the new one and never half of one. Partial downloads need
// nothing here: their .part files and records resume them.

import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Transport } from './types.js';

export type SavedEntry =
  | { dir: 'down'; path: string; dest: string; transport: Transport; size?: number; folder?: true }
  | { dir: 'up'; local: string; path: string; size?: number; folder?: true };

export interface SavedQueue {
  version: 1;
  /** The server it was for (host:port). */
  server: string;
  /** When it was saved, ISO 8601. */
  saved: string;
  entries: SavedEntry[];
  /** Entries left out to keep the file small (MAX_SAVED_ENTRIES). */
  left?: number;
}

/** Entries kept: a quit with more queued keeps the first this many (about 200 bytes each). */
export const MAX_SAVED_ENTRIES = 100_000;
/** A file larger than this is not ours to read. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

export function saveQueue(file: string, q: Omit<SavedQueue, 'version'>): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, JSON.stringify({ version: 1, ...q, entries: q.entries.slice(0, MAX_SAVED_ENTRIES) }));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}

/** The saved queue, or null when there is none or it cannot be read as one (a damaged file is ignored, not fatal). */
export function loadQueue(file: string): SavedQueue | null {
  try {
    if (statSync(file).size > MAX_FILE_BYTES) return null;
    const q = JSON.parse(readFileSync(file, 'utf8')) as SavedQueue;
    if (q?.version !== 1 || !Array.isArray(q.entries) || typeof q.server !== 'string') return null;
    const entries = q.entries.filter(validEntry).slice(0, MAX_SAVED_ENTRIES);
    return entries.length > 0 ? { ...q, entries } : null;
  } catch {
    return null;
  }
}

export function dropQueue(file: string): void {
  rmSync(file, { force: true });
}

function validEntry(e: unknown): e is SavedEntry {
  const x = e as Record<string, unknown> | null;
  if (!x || typeof x.path !== 'string' || (x.size !== undefined && typeof x.size !== 'number')) return false;
  if (x.dir === 'down') return typeof x.dest === 'string' && (x.transport === 'tcp' || x.transport === 'udp');
  return x.dir === 'up' && typeof x.local === 'string';
}
