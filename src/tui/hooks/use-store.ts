// State that key handlers can read fresh. React applies a dispatch at its next
// render, which may come after the next keypress when keys arrive quickly (or the
// machine is busy): 'j' then 'd' must download the row 'j' moved to. These hooks
// apply the reducer at once into a ref, and hand React the result to draw.

import { useCallback, useEffect, useRef, useState } from 'react';

export interface Latest<T> {
  readonly current: T;
}

export function useStore<S, A>(reducer: (s: S, a: A) => S, init: () => S): [S, (a: A) => void, Latest<S>] {
  const ref = useRef<S | undefined>(undefined);
  if (ref.current === undefined) ref.current = init();
  const [state, setState] = useState<S>(ref.current);
  const dispatch = useCallback(
    (a: A) => {
      ref.current = reducer(ref.current as S, a);
      setState(ref.current);
    },
    [reducer],
  );
  return [state, dispatch, ref as Latest<S>];
}

/** useState whose latest value (set, not yet drawn) is readable through the ref. */
export function useLatestState<T>(initial: T): [T, (v: T) => void, Latest<T>] {
  const ref = useRef<T>(initial);
  const [state, setState] = useState<T>(initial);
  const set = useCallback((v: T) => {
    ref.current = v;
    setState(v);
  }, []);
  return [state, set, ref];
}

/**
 * useStore whose React state (what gets drawn) follows the ref at most once
 * every `ms`: at once after a quiet spell, then once at the end of the interval
 * for everything that happened in it. For state that changes per file of a
 * batch: 20,000 small downloads are 40,000 changes, and a frame for each would
 * keep the event loop, which the transfers themselves need, busy drawing.
 */
export function useThrottledStore<S, A>(reducer: (s: S, a: A) => S, init: () => S, ms: number): [S, (a: A) => void, Latest<S>] {
  const ref = useRef<S | undefined>(undefined);
  if (ref.current === undefined) ref.current = init();
  const [state, setState] = useState<S>(ref.current);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const dirty = useRef(false);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  const dispatch = useCallback(
    (a: A) => {
      ref.current = reducer(ref.current as S, a);
      if (timer.current) {
        dirty.current = true;
        return;
      }
      setState(ref.current);
      const tick = () => {
        if (!dirty.current) {
          timer.current = null;
          return;
        }
        dirty.current = false;
        setState(ref.current as S);
        timer.current = setTimeout(tick, ms);
      };
      timer.current = setTimeout(tick, ms);
    },
    [reducer, ms],
  );
  return [state, dispatch, ref as Latest<S>];
}
