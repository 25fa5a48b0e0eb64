// What the destination of one sync pair (server, remote folder, local folder,
// direction) looked like when its last sync ended: per path, size, time and
// BLAKE3 root. It is how a sync tells "the source changed" (take it) from "the
// destination changed since" (a conflict). A small JSON file in the cache
// folder, replaced whole (temp file, rename); a missing or damaged one only
// means every difference counts as a conflict, which is the safe side.

import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { defaultCacheDir } from '../cache/cache.js';
import { BLAKE3_HEX } from '../protocol/chunk-hash.js';
import type { Difference } from './compare.js';

export interface SyncRecord {
  size: number;
  mtimeMs: number;
  blake3?: string;
}

const VERSION = 1;

/** One pair, as `ferry sync` and the app's sync preview name it. */
export interface SyncPair {
  server: string;
  remoteDir: string;
  localDir: string;
  direction: string;
}

/**
 * The state file of one pair. The remote folder is taken as a sync takes it
 * (no slashes around it) and the local one made absolute, so `ferry sync docs/
 * ./here` and the app's preview of docs beside /abs/here share one file.
 */
export function syncStateFile(pair: SyncPair, cacheDir?: string): string {
  const key = createHash('sha256')
    .update(JSON.stringify([pair.server, pair.remoteDir.replace(/^\/+|\/+$/g, ''), path.resolve(pair.localDir), pair.direction]))
    .digest('hex')
    .slice(0, 24);
  return path.join(cacheDir ?? defaultCacheDir(), 'sync', `${key}.json`);
}

export async function loadSyncState(file: string): Promise<Map<string, SyncRecord>> {
  const out = new Map<string, SyncRecord>();
  try {
    const data = JSON.parse(await fs.readFile(file, 'utf8')) as { version?: unknown; paths?: unknown };
    if (data.version !== VERSION || typeof data.paths !== 'object' || data.paths === null) return out;
    for (const [p, v] of Object.entries(data.paths as Record<string, unknown>)) {
      if (!Array.isArray(v) || typeof v[0] !== 'number' || typeof v[1] !== 'number') continue;
      out.set(p, { size: v[0], mtimeMs: v[1], ...(typeof v[2] === 'string' && BLAKE3_HEX.test(v[2]) ? { blake3: v[2] } : {}) });
    }
  } catch {
    // none yet, or damaged: every difference is then a conflict
  }
  return out;
}

export async function saveSyncState(file: string, records: ReadonlyMap<string, SyncRecord>): Promise<void> {
  const paths: Record<string, unknown[]> = {};
  for (const [p, r] of records) paths[p] = r.blake3 ? [r.size, r.mtimeMs, r.blake3] : [r.size, r.mtimeMs];
  const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  await fs.mkdir(path.dirname(file), { recursive: true });
  try {
    await fs.writeFile(temp, JSON.stringify({ version: VERSION, paths }));
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * What a sync knows of the destination before it changes anything: each file
 * the comparison found identical, as it is; each path that differs and had a
 * record keeps it (a conflict left alone stays one; a change at the source not
 * taken stays one). Added to `records` (the state being built).
 */
export function noteCompared(records: Map<string, SyncRecord>, diffs: readonly Difference[], last: ReadonlyMap<string, SyncRecord>, pull: boolean): void {
  for (const d of diffs) {
    const dest = pull ? d.local : d.remote;
    if (d.category === 'identical' && dest?.type === 'file')
      records.set(d.path, { size: dest.size, mtimeMs: dest.mtimeMs, ...(d.remote?.blake3 ? { blake3: d.remote.blake3 } : {}) });
    else if (d.category !== 'identical' && last.has(d.path)) records.set(d.path, last.get(d.path)!);
  }
}

/** A path the sync deleted from the destination: it, and for a folder all below it, are no longer there. */
export function forgetDeleted(records: Map<string, SyncRecord>, rel: string, type: 'file' | 'dir'): void {
  records.delete(rel);
  if (type === 'dir') for (const p of [...records.keys()]) if (p.startsWith(`${rel}/`)) records.delete(p);
}

/** The record of a local file just made equal to the source (`blake3`: the source's root, when known). */
export async function localRecord(abs: string, blake3?: string): Promise<SyncRecord> {
  const st = await fs.stat(abs);
  return { size: st.size, mtimeMs: st.mtimeMs, ...(blake3 ? { blake3 } : {}) };
}
