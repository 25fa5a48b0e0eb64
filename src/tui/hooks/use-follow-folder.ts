// A pane follows its folder on the server: while it shows a folder, the side
// is asked to watch it, and a change there refreshes the listing (a 'refresh',
// which keeps the cursor on the same name) without the user pressing `r`.
// Changes come batched by the server (about 100 ms); refreshes are coalesced
// to one per REFRESH_MS here, so a folder being unpacked is listed again a few
// times, not once per file. A side that cannot watch (the local one, an older
// server) is simply not followed.

import { useEffect } from 'react';
import type { Side } from '../../client/types.js';
import { useCoalesced } from './use-coalesced.js';

/** At most one refresh of a followed folder this often. */
export const REFRESH_MS = 400;

export function useFollowFolder(side: Side, path: string, refresh: () => void): void {
  const changed = useCoalesced(refresh, REFRESH_MS);
  useEffect(() => {
    if (!side.watch) return;
    const controller = new AbortController();
    // A watch that fails (the folder is gone, the server refuses) leaves the
    // pane as it is: its own listing shows what went wrong, and `r` still works.
    side
      .watch(path, {
        signal: controller.signal,
        onEvents: (events) => {
          if (events.length > 0) changed();
        },
      })
      .catch(() => {});
    return () => controller.abort();
  }, [side, path, changed]);
}
