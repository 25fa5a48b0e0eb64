// "Check all": hash every remote file (server side, with progress), then compare each
// with the local copy. ✓ same, ✗ differs, · no local copy.

import type { HashResult } from '../../client/types.js';

export type LocalVerdict = 'pending' | 'same' | 'differs' | 'missing' | 'error';

export interface CheckRow {
  path: string;
  md5: string;
  size: number;
  local: LocalVerdict;
  localMd5?: string;
}

export interface CheckSummary {
  same: number;
  differs: number;
  missing: number;
  pending: number;
}

export interface CheckAllState {
  phase: 'starting' | 'hashing' | 'comparing' | 'done' | 'failed';
  planFiles: number;
  planBytes: number;
  hashedBytes: number;
  rows: readonly CheckRow[];
  /** Kept as rows change, so drawing the summary costs nothing per frame. */
  summary: CheckSummary;
  cursor: number;
  offset: number;
  error: string | null;
}

export interface LocalResult {
  path: string;
  verdict: LocalVerdict;
  localMd5?: string;
}

// Results and verdicts come in batches (the view gathers them between redraws):
// each batch costs one pass over the rows, so 20,000 files are not 20,000 copies
// of a 20,000-row list.
export type CheckAllAction =
  | { type: 'plan'; files: number; bytes: number }
  | { type: 'results'; results: readonly HashResult[] }
  | { type: 'result'; result: HashResult }
  | { type: 'hashed'; height: number }
  | { type: 'locals'; verdicts: readonly LocalResult[] }
  | { type: 'local'; path: string; verdict: LocalVerdict; localMd5?: string }
  | { type: 'done' }
  | { type: 'failed'; error: string }
  | { type: 'move'; delta: number; height: number }
  | { type: 'moveTo'; index: number; height: number };

export const initialCheckAll: CheckAllState = {
  phase: 'starting',
  planFiles: 0,
  planBytes: 0,
  hashedBytes: 0,
  rows: [],
  summary: { same: 0, differs: 0, missing: 0, pending: 0 },
  cursor: 0,
  offset: 0,
  error: null,
};

export function checkSummary(s: CheckAllState): CheckSummary {
  return s.summary;
}

/** Which summary count a verdict belongs to ('error' is shown among those that differ). */
function bucket(v: LocalVerdict): keyof CheckSummary {
  return v === 'same' ? 'same' : v === 'differs' || v === 'error' ? 'differs' : v === 'missing' ? 'missing' : 'pending';
}

function move(s: CheckAllState, index: number, height: number): CheckAllState {
  const cursor = Math.max(0, Math.min(index, s.rows.length - 1));
  let offset = s.offset;
  if (cursor < offset) offset = cursor;
  if (cursor >= offset + height) offset = cursor - height + 1;
  return { ...s, cursor, offset: Math.max(0, offset) };
}

export function checkAllReducer(s: CheckAllState, a: CheckAllAction): CheckAllState {
  switch (a.type) {
    case 'plan':
      return { ...s, phase: 'hashing', planFiles: a.files, planBytes: a.bytes };
    case 'result':
      return checkAllReducer(s, { type: 'results', results: [a.result] });
    case 'results': {
      if (a.results.length === 0) return s;
      const added = a.results.map((r): CheckRow => ({ path: r.path, md5: r.md5, size: r.size, local: 'pending' }));
      return {
        ...s,
        phase: s.phase === 'starting' ? 'hashing' : s.phase,
        hashedBytes: s.hashedBytes + a.results.reduce((n, r) => n + r.size, 0),
        rows: s.rows.concat(added),
        summary: { ...s.summary, pending: s.summary.pending + added.length },
      };
    }
    case 'hashed': {
      // Results arrive in the order the server's workers finish; once all are
      // in, show them by path, the cursor staying on the row it was on (and
      // scrolled into view, for `height` rows).
      const selected = s.rows[s.cursor]?.path;
      const rows = [...s.rows].sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
      const cursor = Math.max(
        0,
        rows.findIndex((r) => r.path === selected),
      );
      return move({ ...s, phase: 'comparing', rows }, cursor, a.height);
    }
    case 'local':
      return checkAllReducer(s, {
        type: 'locals',
        verdicts: [{ path: a.path, verdict: a.verdict, ...(a.localMd5 !== undefined ? { localMd5: a.localMd5 } : {}) }],
      });
    case 'locals': {
      if (a.verdicts.length === 0) return s;
      const byPath = new Map(a.verdicts.map((v) => [v.path, v]));
      const summary = { ...s.summary };
      const rows = s.rows.map((r) => {
        const v = byPath.get(r.path);
        if (!v) return r;
        summary[bucket(r.local)]--;
        summary[bucket(v.verdict)]++;
        return { ...r, local: v.verdict, localMd5: v.localMd5 };
      });
      return { ...s, rows, summary };
    }
    case 'done':
      return { ...s, phase: 'done' };
    case 'failed':
      return { ...s, phase: 'failed', error: a.error };
    case 'move':
      return move(s, s.cursor + a.delta, a.height);
    case 'moveTo':
      return move(s, a.index < 0 ? s.rows.length - 1 : a.index, a.height);
  }
}
