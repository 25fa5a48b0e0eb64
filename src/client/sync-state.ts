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

export interface SyncRecord {
  size: number;
  mtimeMs: number;
  blake3?: string;
}

const VERSION = 1;

/** The state file of one pair. */
export function syncStateFile(pair: { server: string; remoteDir: string; localDir: string; direction: string }, cacheDir?: string): string {
  const key = createHash('sha256')
    .update(JSON.stringify([pair.server, pair.remoteDir, path.resolve(pair.localDir), pair.direction]))
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
