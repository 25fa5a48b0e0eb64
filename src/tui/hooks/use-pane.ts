// A pane's state plus the listing that follows it: whenever the folder, filters or
// reload counter change, ask the Side again. Stale answers (the user moved on) are
// dropped so a slow listing can never overwrite a newer one.

import { useEffect, useRef } from 'react';
import type { Side } from '../../client/types.js';
import { initialPane, paneReducer, type PaneAction, type PaneState } from '../state/pane.js';
import { errorText } from '../errors.js';
import { useStore, type Latest } from './use-store.js';

export function usePane(side: Side, kind: 'local' | 'remote', start = ''): [PaneState, (a: PaneAction) => void, Latest<PaneState>] {
  // Started below the side's root, the first row is '..': the cursor starts on
  // the row after it, on the folder's own first entry.
  const [state, dispatch, latest] = useStore(paneReducer, () => ({ ...initialPane(kind, start), cursor: start === '' ? 0 : 1 }));
  const generation = useRef(0);
  const { path, filters, reload } = state;
  useEffect(() => {
    const mine = ++generation.current;
    dispatch({ type: 'loading' });
    const keyword = filters.keyword;
    side
      .list({
        path,
        // Hidden files are filtered in the view, so toggling them needs no round trip.
        hidden: true,
        ext: filters.ext,
        after: filters.after,
        before: filters.before,
        keyword,
        // Browsing is one folder at a time (the protocol's default is recursive);
        // a keyword search covers the whole tree below.
        recursive: Boolean(keyword),
      })
      .then(
        (entries) => {
          if (generation.current === mine) dispatch({ type: 'loaded', entries });
        },
        (err: unknown) => {
          if (generation.current === mine) dispatch({ type: 'failed', error: errorText(err) });
        },
      );
  }, [side, path, filters, reload, dispatch]);
  return [state, dispatch, latest];
}
