// A pane's back/forward history, as a browser keeps one: every folder left is
// pushed on the back list, going somewhere new drops the forward list, and both
// are bounded so a long session cannot grow them without end. Pure.

export const HISTORY_LIMIT = 100;

export interface NavHistory {
  /** Folders to go back to, oldest first. */
  back: readonly string[];
  /** Folders to go forward to, the next one last. */
  forward: readonly string[];
}

export const emptyHistory: NavHistory = { back: [], forward: [] };

function bounded(list: readonly string[], limit: number): readonly string[] {
  return list.length > limit ? list.slice(list.length - limit) : list;
}

/** The pane went from `from` somewhere new (not by back or forward). */
export function visit(h: NavHistory, from: string, limit = HISTORY_LIMIT): NavHistory {
  return { back: bounded([...h.back, from], limit), forward: [] };
}

/** Back from `current`: where to go, and the history after; null when there is nowhere. */
export function goBack(h: NavHistory, current: string, limit = HISTORY_LIMIT): { to: string; history: NavHistory } | null {
  const to = h.back[h.back.length - 1];
  if (to === undefined) return null;
  return { to, history: { back: h.back.slice(0, -1), forward: bounded([...h.forward, current], limit) } };
}

/** Forward from `current`: where to go, and the history after; null when there is nowhere. */
export function goForward(h: NavHistory, current: string, limit = HISTORY_LIMIT): { to: string; history: NavHistory } | null {
  const to = h.forward[h.forward.length - 1];
  if (to === undefined) return null;
  return { to, history: { back: bounded([...h.back, current], limit), forward: h.forward.slice(0, -1) } };
}
