// What the queue has not finished, in a form that can outlive the app: every
// press of d or u (a unit) remembers its list of files, how far the queue has
// read it and which of those read are still open (running, or waiting for an
// answer to a conflict); a folder is remembered as the folder. Quitting with
// work left writes these out (saved-queue), and the next start offers them.
// Nothing here is copied per file: a unit holds the caller's own list.

import type { SavedEntry } from '../../client/saved-queue.js';

interface Unit {
  /** The unit's files as entries, made on demand; a folder unit has one (the folder). */
  entry(i: number): SavedEntry;
  count: number;
  /** Jobs made from it so far (the queue reads lazily). */
  read: number;
  /** Indexes read and not settled, with how many jobs of each are open (a folder's jobs all share index 0). */
  open: Map<number, number>;
  /** A folder: read only once its listing has ended (until then the folder itself is what remains). */
  folder: boolean;
}

export class Unfinished {
  private readonly units = new Map<number, Unit>();
  private nextUnit = 1;

  /** A new unit of `count` entries; returns its number, which each of its jobs carries. */
  add(count: number, entry: (i: number) => SavedEntry, folder = false): number {
    const id = this.nextUnit++;
    if (count > 0) this.units.set(id, { entry, count, read: 0, open: new Map(), folder });
    return id;
  }

  /** A job of entry `i` was made (a folder unit: its first job, the folder being under way). */
  read(unit: number, i: number): void {
    const u = this.units.get(unit);
    if (!u) return;
    if (!u.folder) u.read = Math.max(u.read, i + 1);
    u.open.set(i, (u.open.get(i) ?? 0) + 1);
  }

  /** Entry `i` is over (moved, kept, failed or cancelled): nothing of it to resume. */
  settle(unit: number, i: number): void {
    const u = this.units.get(unit);
    if (!u) return;
    const n = (u.open.get(i) ?? 0) - 1;
    if (n > 0) u.open.set(i, n);
    else u.open.delete(i);
    this.dropIfOver(unit, u);
  }

  /** A unit's source has nothing more (a folder fully listed, or a list read to its end). */
  exhausted(unit: number): void {
    const u = this.units.get(unit);
    if (!u) return;
    u.read = u.count;
    this.dropIfOver(unit, u);
  }

  /** Everything dropped (cancel all: the user wants none of it). */
  clear(): void {
    this.units.clear();
  }

  /** Entries still to do, oldest unit first, at most `max` of them. */
  entries(max: number): { entries: SavedEntry[]; left: number } {
    const out: SavedEntry[] = [];
    let left = 0;
    const take = (e: SavedEntry) => (out.length < max ? out.push(e) : left++);
    for (const u of this.units.values()) {
      for (const i of [...u.open.keys()].sort((a, b) => a - b)) take(u.entry(i));
      for (let i = u.read; i < u.count; i++) if (!u.open.has(i)) take(u.entry(i));
    }
    return { entries: out, left };
  }

  /** Entries held open or unread, in all. */
  get size(): number {
    let n = 0;
    for (const u of this.units.values()) n += u.open.size + (u.count - u.read) - (u.folder && u.open.size > 0 && u.read < u.count ? 1 : 0);
    return n;
  }

  private dropIfOver(id: number, u: Unit): void {
    if (u.read >= u.count && u.open.size === 0) this.units.delete(id);
  }
}
