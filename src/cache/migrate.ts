// Carrying a version 1 cache (index and objects keyed by MD5) over to
// version 2 (keyed by the BLAKE3 root). Runs at open, under the lock, once.
//
// Each object is read once for its BLAKE3 root and its MD5: an object whose
// bytes no longer match the MD5 it was filed under (damaged on disk) is
// dropped, not re-keyed, so a migrated entry's md5 is always its content's.
// The cost is one read of the cache (about 1.5 s for a full 1 GiB default).
//
// Crash safety: objects get their new name by a hard link, the version 2
// index is written, and only then do the old names go (the repair that runs
// right after deletes every name in objects/ that is not a BLAKE3 root).
// Killed before the index is written, the folder still holds the version 1
// index and all of its objects; the new links are unindexed files the next
// repair deletes before migrating again. Killed after, it is a version 2
// cache with stray old names, which the repair deletes.

import { link, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { errCode, unlinkQuiet } from './fsutil.js';
import { hashFile } from './hash-file.js';
import { emptyIndex, type IndexData, type LegacyIndex, sortBySeq } from './index-file.js';
import { contentPath, MD5_RE, type Layout } from './layout.js';
import type { Upgrade } from './repair.js';

export async function migrateLegacy(layout: Layout, legacy: LegacyIndex): Promise<{ data: IndexData; upgrade: Upgrade }> {
  const data: IndexData = { ...emptyIndex(), seq: legacy.seq, hits: legacy.hits, misses: legacy.misses };
  let dropped = 0;
  for (const [md5, entry] of legacy.entries) {
    const old = path.join(layout.objects, md5);
    const st = await stat(old).catch(() => undefined);
    const hashes = st?.isFile() && st.size === entry.size ? await hashFile(old, entry.size, { md5: true }) : undefined;
    if (!hashes || hashes.md5 !== md5 || data.entries.has(hashes.blake3)) {
      dropped += 1;
      continue;
    }
    const target = contentPath(layout, hashes.blake3);
    await unlinkQuiet(target); // a link left by a migration that was killed
    try {
      await link(old, target);
    } catch (error) {
      if (errCode(error) === 'EEXIST') throw error;
      await rename(old, target); // no hard links here: a kill now costs this entry, nothing worse
    }
    data.entries.set(hashes.blake3, { md5, ...entry });
  }
  sortBySeq(data);
  return { data, upgrade: { from: 1, how: 'migrated', kept: data.entries.size, dropped } };
}

/** How many names in objects/ look like version 1 objects (a torn index then means a version 1 cache). */
export function legacyObjectCount(objectNames: string[]): number {
  return objectNames.filter((n) => MD5_RE.test(n)).length;
}
