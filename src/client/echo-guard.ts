// What a watching sync (`ferry sync --watch`) just wrote, so that seeing it
// again is not taken for news. Every copy leaves the destination with the
// source's size and time; when a later event shows the source with exactly
// that identity (a late event for a change already applied, or the sync's own
// write seen through the other side, as when two syncs of one pair run in
// opposite directions), there is nothing to do and the path is left alone,
// without hashing or transferring anything. Pure and bounded: the oldest
// entries go first past `limit`.

import { sameTime } from './compare.js';

export interface WrittenIdentity {
  size: number;
  mtimeMs: number;
}

export class EchoGuard {
  private readonly written = new Map<string, WrittenIdentity>();

  constructor(readonly limit = 4096) {}

  get size(): number {
    return this.written.size;
  }

  /** The sync made `path` this (at the destination, from a source that was this). */
  note(path: string, id: WrittenIdentity): void {
    this.written.delete(path); // re-inserted last: the newest stays longest
    this.written.set(path, { size: id.size, mtimeMs: id.mtimeMs });
    if (this.written.size > this.limit) this.written.delete(this.written.keys().next().value!);
  }

  /** The path was changed some other way (deleted, say): what was noted of it no longer holds. */
  forget(path: string): void {
    this.written.delete(path);
  }

  /** Is a file seen at `path` with this identity what the sync itself wrote there last? */
  isEcho(path: string, id: WrittenIdentity): boolean {
    const w = this.written.get(path);
    return w !== undefined && w.size === id.size && sameTime(w.mtimeMs, id.mtimeMs);
  }
}
