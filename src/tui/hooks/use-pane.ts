// A pane's state plus the listing that follows it: whenever the folder, the
// listing's filters or the reload counter change, ask the Side again. Rows are
// shown as batches arrive (at most one redraw per REDRAW_MS, fewer for a long
// listing: see nextShowDelay), and a listing or
// search that is superseded (the user moved on) is aborted, which stops the
// walk on the server too, so a stale answer can never overwrite a newer one.

import { useEffect } from 'react';
import type { Entry, Side } from '../../client/types.js';
import { errorText } from '../errors.js';
import { isTreeSearch, type Filters } from '../state/filters.js';
import { initialPane, paneReducer, type PaneAction, type PaneState } from '../state/pane.js';
import { REDRAW_MS } from './use-transfers.js';
import { useStore, type Latest } from './use-store.js';

/**
 * What a listing depends on, as a key: the name typed after '/' narrows the view
 * without one, and so does showing hidden files in a folder; a search of the tree
 * below leaves hidden folders (.git and the like) unwalked unless they are shown.
 */
function listingKey(f: Filters, showHidden: boolean): string {
  return JSON.stringify([f.find, f.ext, f.after, f.before, f.keyword, isTreeSearch(f) && showHidden]);
}

/**
 * How long to gather rows before showing the next part of a listing, given
 * how long showing the last part took (it sorts every row so far): at least
 * REDRAW_MS, and four times that cost, so sorting never takes more than about
 * a fifth of the time. A folder of 20,000 local files arrives 256 rows at a
 * time; sorted whole every REDRAW_MS (about 0.1 s each by then), the sorting
 * alone kept the app busy for seconds and slowed the listing it was showing.
 */
export function nextShowDelay(lastCostMs: number): number {
  return Math.max(REDRAW_MS, 4 * lastCostMs);
}

export function usePane(side: Side, kind: 'local' | 'remote', start = ''): [PaneState, (a: PaneAction) => void, Latest<PaneState>] {
  // Started below the side's root, the first row is '..': the cursor starts on
  // the row after it, on the folder's own first entry.
  const [state, dispatch, latest] = useStore(paneReducer, () => ({ ...initialPane(kind, start), cursor: start === '' ? 0 : 1 }));
  const { path, reload } = state;
  const key = listingKey(state.filters, state.showHidden);
  useEffect(() => {
    const { filters, showHidden } = latest.current;
    const tree = isTreeSearch(filters);
    const ac = new AbortController();
    // A search starts from nothing; a folder listed again keeps its rows until the new ones come.
    dispatch(tree ? { type: 'partial', entries: [] } : { type: 'loading' });
    const entries: Entry[] = [];
    let timer: NodeJS.Timeout | undefined;
    let shown = false;
    let delay = REDRAW_MS;
    // The user may have moved on before this effect's cleanup runs (the state is
    // read fresh, the abort comes a render later): such an answer is dropped too.
    const stale = () => {
      const now = latest.current;
      return ac.signal.aborted || now.path !== path || now.reload !== reload || listingKey(now.filters, now.showHidden) !== key;
    };
    const flush = () => {
      timer = undefined;
      if (stale()) return;
      const started = performance.now();
      dispatch({ type: 'partial', entries: entries.slice() });
      delay = nextShowDelay(performance.now() - started);
    };
    side
      .listStream(
        {
          path,
          // In a folder, hidden files are filtered in the view, so toggling them needs no round trip.
          hidden: tree ? showHidden : true,
          ...(filters.find ? { name: filters.find } : {}),
          ext: filters.ext,
          after: filters.after,
          before: filters.before,
          keyword: filters.keyword,
          // Browsing is one folder at a time (the protocol's default is recursive);
          // a search (find, extension, time, keyword) covers the whole tree below.
          recursive: tree,
        },
        {
          signal: ac.signal,
          onBatch: (batch) => {
            entries.push(...batch);
            // The first rows at once, then at the redraw rate or slower (nextShowDelay): sorting 100,000 rows per batch would not keep up.
            if (!shown) {
              shown = true;
              flush();
            } else timer ??= setTimeout(flush, delay);
          },
        },
      )
      .then(
        () => {
          clearTimeout(timer);
          if (!stale()) dispatch({ type: 'loaded', entries });
        },
        (err: unknown) => {
          clearTimeout(timer);
          if (!stale()) dispatch({ type: 'failed', error: errorText(err) });
        },
      );
    return () => {
      ac.abort();
      clearTimeout(timer);
    };
  }, [side, path, key, reload, dispatch, latest]);
  return [state, dispatch, latest];
}
