// The sync preview (`Y`): the client's plan (planSync) for one direction, each
// action with a checkbox. Pure, tested as functions; the hook carries out what
// is checked.
//
// The plan reads the pair's sync state (sync-state.ts), the one `ferry sync`
// reads and writes: a file that differs but is here as the last sync left it
// changed at the source, and is simply taken; only one changed here since (or
// never synced) is a conflict.
//
// Checked by default: every copy, folder made, time set and (with the delete
// toggle on) delete. A conflict (the destination differs and nothing says it
// is as the last sync left it) starts unchecked: checking it means "overwrite
// it with the source's", which the row says. Other skips (unreadable, a file
// where a folder is without delete) are listed with their reason and cannot be
// checked. Only the indices that differ from their default are stored, so the
// state of 20,000 rows is one small Set.

import type { Difference } from '../../client/compare.js';
import { type Direction, planSync, type SyncAction } from '../../client/sync-plan.js';
import type { SyncRecord } from '../../client/sync-state.js';

export interface PreviewState {
  direction: Direction;
  /** Delete what the source lacks (off unless turned on). */
  delete: boolean;
  actions: readonly SyncAction[];
  /** Indices whose checkbox is not at its default. */
  flipped: ReadonlySet<number>;
  /** The destination after this pair's last sync in this direction (empty: none recorded). */
  last: ReadonlyMap<string, SyncRecord>;
}

/** A conflict over a file that differs: the source's copy may be chosen over it. */
export function overwritable(a: SyncAction, diffs: ReadonlyMap<string, Difference>): boolean {
  return a.kind === 'skip' && a.conflict === true && diffs.get(a.path)?.category === 'differs';
}

export function checkable(a: SyncAction, diffs: ReadonlyMap<string, Difference>): boolean {
  return a.kind !== 'skip' || overwritable(a, diffs);
}

function byDefault(a: SyncAction): boolean {
  return a.kind !== 'skip';
}

export function isChecked(s: PreviewState, i: number, diffs: ReadonlyMap<string, Difference>): boolean {
  const a = s.actions[i]!;
  return checkable(a, diffs) && byDefault(a) !== s.flipped.has(i);
}

export function planPreview(diffs: readonly Difference[], direction: Direction, del: boolean, last: ReadonlyMap<string, SyncRecord> = new Map()): PreviewState {
  return { direction, delete: del, actions: planSync(diffs, { direction, ...(del ? { delete: true } : {}), last }), flipped: new Set(), last };
}

export function toggle(s: PreviewState, i: number, diffs: ReadonlyMap<string, Difference>): PreviewState {
  const a = s.actions[i];
  if (!a || !checkable(a, diffs)) return s;
  const flipped = new Set(s.flipped);
  if (flipped.has(i)) flipped.delete(i);
  else flipped.add(i);
  return { ...s, flipped };
}

/** `a`: everything checkable checked, or (when it all is) nothing. */
export function toggleAll(s: PreviewState, diffs: ReadonlyMap<string, Difference>): PreviewState {
  let all = true;
  for (let i = 0; i < s.actions.length && all; i++) if (checkable(s.actions[i]!, diffs) && !isChecked(s, i, diffs)) all = false;
  const flipped = new Set<number>();
  s.actions.forEach((a, i) => {
    if (checkable(a, diffs) && byDefault(a) === all) flipped.add(i);
  });
  return { ...s, flipped };
}

/** What a checked row does: copy (download or upload), mkdir, touch, delete. */
export type ChosenAction =
  | { kind: 'copy'; path: string; size: number; overwrite: boolean }
  | { kind: 'mkdir'; path: string }
  | { kind: 'touch'; path: string; mtimeMs: number }
  | { kind: 'delete'; path: string; type: 'file' | 'dir'; size: number };

/** The checked rows as things to do, in the plan's order (deletes, folders, then the rest). */
export function chosenActions(s: PreviewState, diffs: ReadonlyMap<string, Difference>): ChosenAction[] {
  const out: ChosenAction[] = [];
  s.actions.forEach((a, i) => {
    if (!isChecked(s, i, diffs)) return;
    if (a.kind === 'copy') out.push({ kind: 'copy', path: a.path, size: a.size, overwrite: true });
    else if (a.kind === 'mkdir') out.push({ kind: 'mkdir', path: a.path });
    else if (a.kind === 'touch') out.push({ kind: 'touch', path: a.path, mtimeMs: a.mtimeMs });
    else if (a.kind === 'delete') out.push({ kind: 'delete', path: a.path, type: a.type, size: a.size });
    else {
      const d = diffs.get(a.path)!;
      const src = s.direction === 'pull' ? d.remote : d.local;
      out.push({ kind: 'copy', path: a.path, size: src?.size ?? 0, overwrite: true });
    }
  });
  return out;
}

export interface PreviewTotals {
  files: number;
  bytes: number;
  folders: number;
  touches: number;
  deletes: number;
  /** Rows left alone (skips, conflicts not chosen, unchecked). */
  left: number;
}

export function previewTotals(s: PreviewState, diffs: ReadonlyMap<string, Difference>): PreviewTotals {
  const t: PreviewTotals = { files: 0, bytes: 0, folders: 0, touches: 0, deletes: 0, left: 0 };
  for (const a of chosenActions(s, diffs)) {
    if (a.kind === 'copy') {
      t.files++;
      t.bytes += a.size;
    } else if (a.kind === 'mkdir') t.folders++;
    else if (a.kind === 'touch') t.touches++;
    else t.deletes++;
  }
  t.left = s.actions.length - (t.files + t.folders + t.touches + t.deletes);
  return t;
}

/** A row's verb, by direction: what the user will see happen. */
export function actionVerb(a: SyncAction, direction: Direction, diffs: ReadonlyMap<string, Difference>): string {
  switch (a.kind) {
    case 'copy':
      return direction === 'pull' ? 'download' : 'upload';
    case 'mkdir':
      return 'mkdir';
    case 'touch':
      return 'set time';
    case 'delete':
      return 'delete';
    case 'skip':
      return overwritable(a, diffs) ? 'conflict' : 'skip';
  }
}

/** A row's reason column; `last`: the pair's state the plan was made from. */
export function actionWhy(a: SyncAction, diffs: ReadonlyMap<string, Difference>, last?: ReadonlyMap<string, SyncRecord>): string {
  switch (a.kind) {
    case 'copy':
      return a.why;
    case 'mkdir':
      return 'missing folder';
    case 'touch':
      return 'same content, the source has another time';
    case 'delete':
      return `not at the source${a.type === 'dir' ? ' (the folder whole)' : ''}, into .ferry-trash`;
    case 'skip':
      if (!overwritable(a, diffs)) return a.why;
      return last?.has(a.path) ? 'differs, changed here since the last sync: check it to overwrite' : 'differs (no record of a sync): check it to overwrite';
  }
}
