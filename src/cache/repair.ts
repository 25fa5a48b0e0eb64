// The startup check. Runs under the lock, so every file it finds in objects/
// or an index temp is a leftover of a process that died mid-change (live
// processes only touch those while holding the lock). Files in tmp/ are used
// outside the lock, so those go only when their owner's pid is gone.
//
// What a kill -9 can leave, and what happens to it:
//   objects/<root>.intent, no content       -> deleted (the move never happened)
//   objects/<root> + intent, not in index   -> adopted if the intent's root and
//                                              size match the file, else deleted
//   objects/<root> with no intent, not in index -> deleted (an eviction or
//                                              removal whose unlink never ran)
//   any other name in objects/ (a version 1 object named by MD5 among them)
//                                           -> deleted
//   index entry whose file is missing or the wrong size -> dropped
//   index.json.*.tmp                        -> deleted
//   tmp/<pid>-* of a dead pid               -> deleted
//   parts/<key>.<pid>-<rand>.part(.json) of a dead pid -> deleted (private, see
//                                              part-claim.ts; nobody resumes it)
//   parts/<key>.claim of a dead pid         -> deleted
//   a torn index.json                       -> rebuilt from what is adoptable
//
// Adopting does not hash the content: admit checked its BLAKE3 root before
// writing the intent, and every hit is checked again on its way out.

import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { errCode, pidAlive, tempOwner, unlinkQuiet } from './fsutil.js';
import { type IndexData, pickVictims } from './index-file.js';
import { INTENT_SUFFIX, isIndexTemp, KEY_RE, MD5_RE, type Layout, contentPath } from './layout.js';
import { breakLockAt, readText } from './lock.js';
import { CLAIM_SUFFIX, claimIsStale, privatePartOwner } from './part-claim.js';

/** Resumable .part files untouched for this long are given up on. */
export const PART_MAX_AGE_MS = 7 * 24 * 3600_000;
/** A temp file this old goes even if its pid is alive again (pid reuse). */
export const TEMP_MAX_AGE_MS = 24 * 3600_000;

export interface RepairReport {
  tornIndex: boolean;
  adopted: string[]; // keys taken into the index from an interrupted admit
  dropped: string[]; // index entries whose content was missing or damaged
  deleted: string[]; // leftover files removed, relative to the cache folder
  evicted: string[]; // keys evicted to get back under the limit
  /** Set on the open that found a cache written by the MD5-keyed version 1. */
  upgrade?: Upgrade;
}

/** What became of a version 1 cache: its entries re-keyed, or (index unreadable) dropped. */
export interface Upgrade {
  from: 1;
  how: 'migrated' | 'rebuilt';
  kept: number;
  dropped: number;
}

/** The one line to tell the user about an open, or undefined when there is nothing worth saying. */
export function describeRepair(report: RepairReport): string | undefined {
  const u = report.upgrade;
  if (u?.how === 'migrated') {
    const lost = u.dropped > 0 ? `; dropped ${u.dropped} whose content was missing or no longer matched` : '';
    return `cache: migrated ${u.kept} ${u.kept === 1 ? 'entry' : 'entries'} from the MD5-keyed format to BLAKE3 keys${lost}`;
  }
  if (u?.how === 'rebuilt') return `cache: rebuilt empty; the MD5-keyed index of the previous version was unreadable (${u.dropped} files dropped)`;
  if (report.tornIndex)
    return `cache: the index was damaged; rebuilt it with ${report.adopted.length} recoverable ${report.adopted.length === 1 ? 'entry' : 'entries'}`;
  return undefined;
}

export interface Intent {
  blake3: string;
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
      typeof v.blake3 === 'string' &&
      typeof v.md5 === 'string' &&
      MD5_RE.test(v.md5) &&
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
    const size = KEY_RE.test(name) ? await sizeOf(abs) : undefined;
    if (size === undefined) {
      await remove(abs); // not ours, or not a file we could have written
      continue;
    }
    const entry = data.entries.get(name);
    const intent = intents.get(name);
    if (entry && entry.size === size) {
      present.add(name);
    } else if (!entry && intent && intent.blake3 === name && intent.size === size) {
      data.seq += 1;
      data.misses += 1; // the download happened; only its bookkeeping was lost
      data.entries.set(name, {
        md5: intent.md5,
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
  for (const key of intents.keys()) await remove(path.join(layout.objects, key + INTENT_SUFFIX));

  for (const key of [...data.entries.keys()]) {
    if (!present.has(key)) {
      data.entries.delete(key);
      report.dropped.push(key);
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
    const owner = privatePartOwner(name);
    if (owner !== undefined && !pidAlive(owner)) {
      await remove(abs);
      continue;
    }
    if (name.endsWith(CLAIM_SUFFIX)) {
      // Claims are not covered by the cache lock: break one the careful way.
      const held = await readText(abs);
      if (held !== undefined && claimIsStale(held)) {
        await breakLockAt(abs, layout.tmp, process.pid, held);
        report.deleted.push(path.relative(layout.root, abs));
      }
      continue;
    }
    const st = await stat(abs).catch(() => undefined);
    if (st && now - st.mtimeMs > PART_MAX_AGE_MS) await remove(abs);
  }

  // A smaller limit than last time (or an adoption) may leave us over it.
  for (const key of pickVictims(data, 0, limit)) {
    data.entries.delete(key);
    await unlinkQuiet(contentPath(layout, key));
    report.evicted.push(key);
  }
  return report;
}
