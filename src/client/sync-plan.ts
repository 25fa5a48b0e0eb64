// What a sync does, decided from a comparison (compare.ts) and what the pair
// looked like after its last sync (sync-state.ts), without touching anything:
// `ferry sync --dry-run` prints exactly this list, and a real sync carries it
// out. Pure: differences and options in, actions out.
//
// A path that differs is a conflict when the destination changed since the
// last sync (or there was none): the user's work there is not overwritten
// without a policy (--overwrite, --skip-existing, --update, --keep-both, as
// for downloads). Otherwise the source's version simply wins.

import type { Difference, SideState } from './compare.js';
import { sameTime } from './compare.js';
import type { SyncRecord } from './sync-state.js';

export type Direction = 'pull' | 'push';
export type ConflictPolicy = 'overwrite' | 'skip' | 'newer' | 'keep-both';

export type SyncAction =
  /** Copy the source's file over (a download when pulling, an upload when pushing). */
  | { kind: 'copy'; path: string; size: number; mtimeMs: number; why: string; keepBoth?: boolean }
  /** Make a folder the destination lacks. */
  | { kind: 'mkdir'; path: string; mtimeMs: number }
  /** Same content: only give the destination the source's modification time. */
  | { kind: 'touch'; path: string; mtimeMs: number }
  /** Remove what the source lacks (to the trash unless told otherwise); a folder goes whole. */
  | { kind: 'delete'; path: string; type: 'file' | 'dir'; size: number }
  /** Left alone, and why (a conflict without a policy, an unreadable file, ...). */
  | { kind: 'skip'; path: string; why: string; conflict?: boolean; error?: boolean };

export interface PlanOptions {
  direction: Direction;
  delete?: boolean;
  /** What to do with a conflict; none: leave it and report it. */
  conflicts?: ConflictPolicy;
  /** The destination after the last sync of this pair, by path. */
  last?: ReadonlyMap<string, SyncRecord>;
}

/** Whether the destination is as the last sync left it. */
function unchangedSince(dest: SideState, record: SyncRecord | undefined): boolean {
  if (!record || dest.type !== 'file' || dest.size !== record.size) return false;
  if (dest.blake3 && record.blake3) return dest.blake3 === record.blake3;
  return sameTime(dest.mtimeMs, record.mtimeMs);
}

/**
 * The actions, deletions first (so a name that changed only in case, or a
 * folder becoming a file, has its old form out of the way), then folders made
 * (parents before children), then copies and times.
 */
export function planSync(diffs: readonly Difference[], options: PlanOptions): SyncAction[] {
  const pull = options.direction === 'pull';
  const src = (d: Difference) => (pull ? d.remote : d.local);
  const dst = (d: Difference) => (pull ? d.local : d.remote);
  const deletes: SyncAction[] = [];
  const rest: SyncAction[] = [];
  /** Destination folders going away whole: what is inside them needs no action of its own. */
  const gone: string[] = [];
  const insideGone = (p: string) => gone.some((g) => p.startsWith(`${g}/`));
  const copy = (d: Difference, s: SideState, why: string, keepBoth = false): SyncAction => ({
    kind: 'copy',
    path: d.path,
    size: s.size,
    mtimeMs: s.mtimeMs,
    why,
    ...(keepBoth ? { keepBoth } : {}),
  });

  for (const d of diffs) {
    const s = src(d);
    const t = dst(d);
    if (insideGone(d.path) && !s) continue;
    switch (d.category) {
      case 'identical':
        break;
      case 'unreadable':
        rest.push({ kind: 'skip', path: d.path, why: s?.error ?? t?.error ?? 'unreadable', error: true });
        break;
      case 'time':
        rest.push(pull ? { kind: 'touch', path: d.path, mtimeMs: s!.mtimeMs } : copy(d, s!, 'same content, the server has another time'));
        break;
      case 'remote-only':
      case 'local-only': {
        if (s) {
          if (s.type === 'dir') rest.push({ kind: 'mkdir', path: d.path, mtimeMs: s.mtimeMs });
          else rest.push(copy(d, s, 'missing'));
        } else if (options.delete) {
          deletes.push({ kind: 'delete', path: d.path, type: t!.type, size: t!.size });
          if (t!.type === 'dir') gone.push(d.path);
        }
        break;
      }
      case 'type': {
        if (!options.delete) {
          rest.push({
            kind: 'skip',
            path: d.path,
            why: `a ${t!.type === 'dir' ? 'folder' : 'file'} here stands where the source has a ${s!.type === 'dir' ? 'folder' : 'file'} (--delete replaces it)`,
            conflict: true,
          });
          break;
        }
        deletes.push({ kind: 'delete', path: d.path, type: t!.type, size: t!.size });
        if (t!.type === 'dir') gone.push(d.path);
        rest.push(s!.type === 'dir' ? { kind: 'mkdir', path: d.path, mtimeMs: s!.mtimeMs } : copy(d, s!, 'replaces a folder'));
        break;
      }
      case 'differs': {
        if (unchangedSince(t!, options.last?.get(d.path))) {
          rest.push(copy(d, s!, 'changed at the source'));
          break;
        }
        switch (options.conflicts) {
          case 'overwrite':
            rest.push(copy(d, s!, 'differs (--overwrite)'));
            break;
          case 'newer':
            if (s!.mtimeMs > t!.mtimeMs) rest.push(copy(d, s!, 'differs, and the source is newer (--update)'));
            else rest.push({ kind: 'skip', path: d.path, why: 'differs, and the destination is as new or newer (--update)' });
            break;
          case 'keep-both':
            rest.push(copy(d, s!, 'differs (--keep-both: saved beside it)', true));
            break;
          case 'skip':
            rest.push({ kind: 'skip', path: d.path, why: 'differs (--skip-existing)' });
            break;
          default:
            rest.push({
              kind: 'skip',
              path: d.path,
              why: 'differs, and the destination changed since the last sync (--overwrite, --skip-existing, --update or --keep-both)',
              conflict: true,
            });
        }
        break;
      }
    }
  }
  return [...deletes, ...rest.filter((a) => a.kind === 'mkdir'), ...rest.filter((a) => a.kind !== 'mkdir')];
}

export interface PlanTotals {
  copies: number;
  copyBytes: number;
  deletes: number;
  folders: number;
  touches: number;
  conflicts: number;
  errors: number;
  skipped: number;
}

export function planTotals(actions: readonly SyncAction[]): PlanTotals {
  const t: PlanTotals = { copies: 0, copyBytes: 0, deletes: 0, folders: 0, touches: 0, conflicts: 0, errors: 0, skipped: 0 };
  for (const a of actions) {
    if (a.kind === 'copy') {
      t.copies++;
      t.copyBytes += a.size;
    } else if (a.kind === 'delete') t.deletes++;
    else if (a.kind === 'mkdir') t.folders++;
    else if (a.kind === 'touch') t.touches++;
    else if (a.conflict) t.conflicts++;
    else if (a.error) t.errors++;
    else t.skipped++;
  }
  return t;
}
