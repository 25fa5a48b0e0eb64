// "Check all": hash every remote file (server side, with progress), then compare each
// with the local copy. ✓ same, ✗ differs, · no local copy, ! could not be read.
//
// Linear at any size: the rows are a ledger the reducer appends to and updates in
// place (through an index by path), so a batch costs what is in it, never a copy of
// the 20,000 rows already there. Each action still returns a new state object (with
// `version` bumped), which is what tells React to draw; old states are not kept.

import type { HashResult } from '../../client/types.js';
import { fitList, type ListMove, moveList } from './list-cursor.js';

export type LocalVerdict = 'pending' | 'same' | 'differs' | 'missing' | 'error';

export interface CheckRow {
  path: string;
  md5: string;
  size: number;
  local: LocalVerdict;
  /** Kept only where the copies differ: that is the one worth showing. */
  localMd5?: string;
  /** Why the server (or this side) could not hash the file. */
  error?: string;
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
  /** The ledger (see above): appended to and updated in place. */
  rows: readonly CheckRow[];
  /** Bumped by every change to the rows. */
  version: number;
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
  error?: string;
}

// Results and verdicts come in batches (the view gathers them between redraws).
export type CheckAllAction =
  | { type: 'plan'; files: number; bytes: number }
  | { type: 'results'; results: readonly HashResult[] }
  | { type: 'result'; result: HashResult }
  | { type: 'hashed'; height: number }
  | { type: 'locals'; verdicts: readonly LocalResult[] }
  /** Server results, then local verdicts (which may be for those results): one new state for both. */
  | { type: 'batch'; results: readonly HashResult[]; verdicts: readonly LocalResult[] }
  | { type: 'local'; path: string; verdict: LocalVerdict; localMd5?: string }
  | { type: 'done' }
  | { type: 'failed'; error: string }
  | { type: 'move'; delta: number; height: number }
  | { type: 'moveTo'; index: number; height: number }
  | { type: 'list'; move: ListMove; height: number };

/** Where each path's row is in the ledger; beside the state, one per ledger. */
const positions = new WeakMap<readonly CheckRow[], Map<string, number>>();

function indexOf(rows: readonly CheckRow[]): Map<string, number> {
  let index = positions.get(rows);
  if (!index) {
    index = new Map(rows.map((r, i) => [r.path, i]));
    positions.set(rows, index);
  }
  return index;
}

/** A fresh state: its own ledger (a shared constant would be written into). */
export function initialCheckAll(): CheckAllState {
  return {
    phase: 'starting',
    planFiles: 0,
    planBytes: 0,
    hashedBytes: 0,
    rows: [],
    version: 0,
    summary: { same: 0, differs: 0, missing: 0, pending: 0 },
    cursor: 0,
    offset: 0,
    error: null,
  };
}

export function checkSummary(s: CheckAllState): CheckSummary {
  return s.summary;
}

/** Which summary count a verdict belongs to ('error' is shown among those that differ). */
function bucket(v: LocalVerdict): keyof CheckSummary {
  return v === 'same' ? 'same' : v === 'differs' || v === 'error' ? 'differs' : v === 'missing' ? 'missing' : 'pending';
}

function move(s: CheckAllState, m: ListMove, height: number): CheckAllState {
  const c = moveList({ cursor: s.cursor, top: s.offset }, m, { length: s.rows.length, page: height });
  return { ...s, cursor: c.cursor, offset: c.top };
}

/** A server result as a row: one it could not hash is an error at once, with nothing to compare. */
function rowOf(r: HashResult): CheckRow {
  if (r.error) return { path: r.path, md5: '', size: r.size, local: 'error', error: r.error.message };
  return { path: r.path, md5: r.md5, size: r.size, local: 'pending' };
}

export function checkAllReducer(s: CheckAllState, a: CheckAllAction): CheckAllState {
  switch (a.type) {
    case 'plan':
      return { ...s, phase: 'hashing', planFiles: a.files, planBytes: a.bytes };
    case 'result':
      return checkAllReducer(s, { type: 'results', results: [a.result] });
    case 'results': {
      if (a.results.length === 0) return s;
      const rows = s.rows as CheckRow[];
      const index = indexOf(rows);
      const summary = { ...s.summary };
      let bytes = 0;
      for (const r of a.results) {
        if (index.has(r.path)) continue; // a repeat would count twice
        const row = rowOf(r);
        index.set(r.path, rows.length);
        rows.push(row);
        summary[bucket(row.local)]++;
        bytes += r.size;
      }
      return {
        ...s,
        phase: s.phase === 'starting' ? 'hashing' : s.phase,
        hashedBytes: s.hashedBytes + bytes,
        version: s.version + 1,
        summary,
      };
    }
    case 'hashed': {
      // Results arrive in the order the server's workers finish; once all are
      // in, show them by path (one sort, a new ledger), the cursor staying on the
      // row it was on and scrolled into view, for `height` rows.
      const selected = s.rows[s.cursor]?.path;
      const rows = [...s.rows].sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
      const cursor = Math.max(0, selected === undefined ? 0 : (indexOf(rows).get(selected) ?? 0));
      const c = fitList({ cursor, top: s.offset }, { length: rows.length, page: a.height });
      return { ...s, phase: 'comparing', rows, version: s.version + 1, cursor: c.cursor, offset: c.top };
    }
    case 'local':
      return checkAllReducer(s, {
        type: 'locals',
        verdicts: [{ path: a.path, verdict: a.verdict, ...(a.localMd5 !== undefined ? { localMd5: a.localMd5 } : {}) }],
      });
    case 'locals': {
      if (a.verdicts.length === 0) return s;
      const rows = s.rows as CheckRow[];
      const index = indexOf(rows);
      const summary = { ...s.summary };
      for (const v of a.verdicts) {
        const i = index.get(v.path);
        if (i === undefined) continue;
        const r = rows[i]!;
        summary[bucket(r.local)]--;
        summary[bucket(v.verdict)]++;
        const row: CheckRow = { path: r.path, md5: r.md5, size: r.size, local: v.verdict };
        if (v.verdict === 'differs' && v.localMd5 !== undefined) row.localMd5 = v.localMd5;
        if (v.error ?? r.error) row.error = v.error ?? r.error;
        rows[i] = row;
      }
      return { ...s, version: s.version + 1, summary };
    }
    case 'batch':
      return checkAllReducer(checkAllReducer(s, { type: 'results', results: a.results }), { type: 'locals', verdicts: a.verdicts });
    case 'done':
      return { ...s, phase: 'done' };
    case 'failed':
      return { ...s, phase: 'failed', error: a.error };
    case 'move':
      return move(s, { type: 'by', delta: a.delta }, a.height);
    case 'moveTo':
      return move(s, { type: 'to', index: a.index }, a.height);
    case 'list':
      return move(s, a.move, a.height);
  }
}
