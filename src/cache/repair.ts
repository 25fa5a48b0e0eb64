// The startup check. Runs under the lock, so every file it finds in objects/
// or an index temp is a leftover of a process that died mid-change (live
// processes only touch those while holding the lock). Files in tmp/ are used
// outside the lock, so those go only when their owner's pid is gone.
//
// What a kill -9 can leave, and what happens to it:
//   objects/<md5>.intent, no content        -> deleted (the move never happened)
//   objects/<md5> + intent, not in index    -> adopted if the intent's md5 and
//                                              size match the file, else deleted
//   objects/<md5> with no intent, not in index -> deleted (an eviction or
//                                              removal whose unlink never ran)
//   index entry whose file is missing or the wrong size -> dropped
//   index.json.*.tmp                        -> deleted
//   tmp/<pid>-* of a dead pid               -> deleted
//   a torn index.json                       -> rebuilt from what is adoptable

import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { errCode, pidAlive, tempOwner, unlinkQuiet } from './fsutil.js';
import { type IndexData, pickVictims } from './index-file.js';
import { INTENT_SUFFIX, isIndexTemp, MD5_RE, type Layout, contentPath } from './layout.js';

/** Resumable .part files untouched for this long are given up on. */
export const PART_MAX_AGE_MS = 7 * 24 * 3600_000;
/** A temp file this old goes even if its pid is alive again (pid reuse). */
export const TEMP_MAX_AGE_MS = 24 * 3600_000;

export interface RepairReport {
  tornIndex: boolean;
  adopted: string[]; // md5s taken into the index from an interrupted admit
  dropped: string[]; // index entries whose content was missing or damaged
  deleted: string[]; // leftover files removed, relative to the cache folder
  evicted: string[]; // md5s evicted to get back under the limit
}

export interface Intent {
  md5: string;
  size: number;
  remotePath: string;
  server: string;
  added: string;
}

export function parseIntent(text: string): Intent | undefined {
  try {
    const v = JSON.parse(text) as Partial<Intent>;
    if (
      typeof v.md5 === 'string' &&
      Number.isSafeInteger(v.size) &&
      typeof v.remotePath === 'string' &&
      typeof v.server === 'string' &&
      typeof v.added === 'string' &&
      !Number.isNaN(Date.parse(v.added))
    ) {
      return v as Intent;
    }
  } catch {
    // a torn intent records nothing
  }
  return undefined;
}

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (errCode(error) === 'ENOENT') return [];
    throw error;
  }
}

async function sizeOf(p: string): Promise<number | undefined> {
  try {
    const st = await stat(p);
    return st.isFile() ? st.size : undefined;
  } catch (error) {
    if (errCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** Bring `data` in line with the files; mutates data and the folder. */
export async function repair(layout: Layout, data: IndexData, torn: boolean, limit: number): Promise<RepairReport> {
  const report: RepairReport = { tornIndex: torn, adopted: [], dropped: [], deleted: [], evicted: [] };
  const remove = async (abs: string) => {
    await unlinkQuiet(abs);
    report.deleted.push(path.relative(layout.root, abs));
  };

  const objectNames = await names(layout.objects);
  const intents = new Map<string, Intent | undefined>();
  for (const name of objectNames) {
    if (!name.endsWith(INTENT_SUFFIX)) continue;
    const text = await readFile(path.join(layout.objects, name), 'utf8').catch(() => '');
    intents.set(name.slice(0, -INTENT_SUFFIX.length), parseIntent(text));
  }

  const present = new Set<string>();
  for (const name of objectNames) {
    if (name.endsWith(INTENT_SUFFIX)) continue;
    const abs = path.join(layout.objects, name);
    const size = MD5_RE.test(name) ? await sizeOf(abs) : undefined;
    if (size === undefined) {
      await remove(abs); // not ours, or not a file we could have written
      continue;
    }
    const entry = data.entries.get(name);
    const intent = intents.get(name);
    if (entry && entry.size === size) {
      present.add(name);
    } else if (!entry && intent && intent.md5 === name && intent.size === size) {
      data.seq += 1;
      data.misses += 1; // the download happened; only its bookkeeping was lost
      data.entries.set(name, {
        size,
        remotePath: intent.remotePath,
        server: intent.server,
        lastAccess: intent.added,
        added: intent.added,
        hits: 0,
        seq: data.seq,
      });
      report.adopted.push(name);
      present.add(name);
    } else {
      await remove(abs);
    }
  }
  for (const md5 of intents.keys()) await remove(path.join(layout.objects, md5 + INTENT_SUFFIX));

  for (const md5 of [...data.entries.keys()]) {
    if (!present.has(md5)) {
      data.entries.delete(md5);
      report.dropped.push(md5);
    }
  }

  for (const name of await names(layout.root)) {
    if (isIndexTemp(name)) await remove(path.join(layout.root, name));
  }
  const now = Date.now();
  for (const name of await names(layout.tmp)) {
    const abs = path.join(layout.tmp, name);
    const owner = tempOwner(name);
    const st = await stat(abs).catch(() => undefined);
    if (!st) continue;
    if (owner === undefined || !pidAlive(owner) || now - st.mtimeMs > TEMP_MAX_AGE_MS) await remove(abs);
  }
  for (const name of await names(layout.parts)) {
    const abs = path.join(layout.parts, name);
    const st = await stat(abs).catch(() => undefined);
    if (st && now - st.mtimeMs > PART_MAX_AGE_MS) await remove(abs);
  }

  // A smaller limit than last time (or an adoption) may leave us over it.
  for (const md5 of pickVictims(data, 0, limit)) {
    data.entries.delete(md5);
    await unlinkQuiet(contentPath(layout, md5));
    report.evicted.push(md5);
  }
  return report;
}
