// Conflicts waiting for the user: a destination that exists and differs. They
// queue in the order they were met and are asked one at a time, never one
// replacing another; the transfer queue goes on with other files meanwhile.
// An answer "for all the rest of this batch" settles every waiting conflict of
// that batch (its `scope`) at once, and the ones met later without asking.

/** What to do with a destination that exists and differs (the client's ExistingPolicy, less 'fail'). */
export type ConflictAnswer = 'overwrite' | 'skip' | 'keep-both' | 'newer';

export interface Conflict {
  /** Its own number (not a transfer's row). */
  id: number;
  kind: 'download' | 'upload';
  /** The remote path. */
  path: string;
  /** Our file: the local destination of a download, the local source of an upload. */
  here: string;
  /** The batch it belongs to (one press of d, one folder): "for all" reaches exactly these. */
  scope: number;
}

export interface ConflictsState {
  waiting: readonly Conflict[];
  /** Conflicts met and answered since none was waiting: "2 of 5". */
  seen: number;
  answered: number;
}

export const initialConflicts: ConflictsState = { waiting: [], seen: 0, answered: 0 };

export type ConflictsAction = { type: 'add'; conflict: Conflict } | { type: 'answered'; ids: readonly number[] };

export function conflictsReducer(s: ConflictsState, a: ConflictsAction): ConflictsState {
  switch (a.type) {
    case 'add':
      return { ...s, waiting: [...s.waiting, a.conflict], seen: s.seen + 1 };
    case 'answered': {
      const gone = new Set(a.ids);
      const waiting = s.waiting.filter((c) => !gone.has(c.id));
      const answered = s.answered + (s.waiting.length - waiting.length);
      // Nothing left to ask: the next conflict starts a new count.
      return waiting.length === 0 ? initialConflicts : { ...s, waiting, answered };
    }
  }
}

/** The conflicts one answer settles: the first waiting, or with `forAll` every waiting one of its batch. */
export function settledBy(s: ConflictsState, forAll: boolean): Conflict[] {
  const head = s.waiting[0];
  if (!head) return [];
  return forAll ? s.waiting.filter((c) => c.scope === head.scope) : [head];
}

/** "1 of 3": the place of the one asked now among those met since the list was last empty. */
export function conflictPosition(s: ConflictsState): { at: number; of: number } {
  return { at: s.answered + 1, of: s.seen };
}
