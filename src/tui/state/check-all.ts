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

export interface CheckAllState {
  phase: 'starting' | 'hashing' | 'comparing' | 'done' | 'failed';
  planFiles: number;
  planBytes: number;
  hashedBytes: number;
  rows: readonly CheckRow[];
  cursor: number;
  offset: number;
  error: string | null;
}

export type CheckAllAction =
  | { type: 'plan'; files: number; bytes: number }
  | { type: 'result'; result: HashResult }
  | { type: 'hashed'; height: number }
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
  cursor: 0,
  offset: 0,
  error: null,
};

export function checkSummary(s: CheckAllState): { same: number; differs: number; missing: number; pending: number } {
  const out = { same: 0, differs: 0, missing: 0, pending: 0 };
  for (const r of s.rows) {
    if (r.local === 'same') out.same++;
    else if (r.local === 'differs' || r.local === 'error') out.differs++;
    else if (r.local === 'missing') out.missing++;
    else out.pending++;
  }
  return out;
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
      return {
        ...s,
        phase: s.phase === 'starting' ? 'hashing' : s.phase,
        hashedBytes: s.hashedBytes + a.result.size,
        rows: [...s.rows, { path: a.result.path, md5: a.result.md5, size: a.result.size, local: 'pending' }],
      };
    case 'hashed': {
      // Results arrive in the order the server's workers finish; once all are
      // in, show them by path, the cursor staying on the row it was on (and
      // scrolled into view, for `height` rows).
      const selected = s.rows[s.cursor]?.path;
      const rows = [...s.rows].sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
      const cursor = Math.max(0, rows.findIndex((r) => r.path === selected));
      return move({ ...s, phase: 'comparing', rows }, cursor, a.height);
    }
    case 'local':
      return { ...s, rows: s.rows.map((r) => (r.path === a.path ? { ...r, local: a.verdict, localMd5: a.localMd5 } : r)) };
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
