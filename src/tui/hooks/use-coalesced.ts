// A callback asked for often that runs at most once per `ms`: at once when it
// has been quiet, else once more at the end of the interval for all the calls
// that came during it. Its timer goes with the component.

import { useCallback, useEffect, useRef } from 'react';

export function useCoalesced(fn: () => void, ms: number): () => void {
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const again = useRef(false);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  return useCallback(() => {
    if (timer.current) {
      again.current = true;
      return;
    }
    const tick = () => {
      if (!again.current) {
        timer.current = null;
        return;
      }
      again.current = false;
      fnRef.current();
      timer.current = setTimeout(tick, ms);
    };
    fnRef.current();
    timer.current = setTimeout(tick, ms);
  }, [ms]);
}
