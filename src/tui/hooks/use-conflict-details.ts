// Both sides of the conflict on screen: the server's size, time and MD5 (from
// its hash index, through stat), and ours (a local stat, then the file's MD5,
// streamed). Only the conflict shown is looked at, one hash at a time, so a
// batch of a thousand conflicts never hashes a thousand files at once; a
// result for a conflict no longer shown is dropped.

import { useEffect, useState } from 'react';
import { localFileInfo, localMd5 } from '../../client/local-side.js';
import type { FerryApi } from '../../client/types.js';
import type { Conflict } from '../state/conflicts.js';

export interface SideFacts {
  size?: number;
  mtimeMs?: number;
  /** Undefined until known. */
  md5?: string;
  /** The facts could not be had (the file went away, the server refused). */
  missing?: boolean;
}

export interface ConflictDetails {
  server: SideFacts;
  here: SideFacts;
}

const EMPTY: ConflictDetails = { server: {}, here: {} };

export function useConflictDetails(api: FerryApi, conflict: Conflict | undefined): ConflictDetails {
  const [details, setDetails] = useState<{ id: number; d: ConflictDetails } | null>(null);
  const id = conflict?.id;
  useEffect(() => {
    if (!conflict) return;
    let live = true;
    const update = (change: (d: ConflictDetails) => ConflictDetails) =>
      live && setDetails((prev) => ({ id: conflict.id, d: change(prev?.id === conflict.id ? prev.d : EMPTY) }));
    api.stat(conflict.path, { md5: true }).then(
      (s) => update((d) => ({ ...d, server: { size: s.size, mtimeMs: s.mtimeMs, ...(s.md5 !== undefined ? { md5: s.md5 } : {}) } })),
      () => update((d) => ({ ...d, server: { missing: true } })),
    );
    void (async () => {
      const info = await localFileInfo(conflict.here);
      if (!info) return update((d) => ({ ...d, here: { missing: true } }));
      update((d) => ({ ...d, here: { ...info } }));
      const md5 = await localMd5(conflict.here).catch(() => null);
      update((d) => ({ ...d, here: md5 === null ? { ...d.here, missing: true } : { ...d.here, md5 } }));
    })();
    return () => {
      live = false;
    };
  }, [api, id]);
  return details && details.id === id ? details.d : EMPTY;
}
