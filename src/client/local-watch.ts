// Following a local folder for `ferry sync --watch --push`: Node's plain
// fs.watch, one watch per folder, as the server follows its share
// (src/server/watch/folder-watcher.ts says why not the recursive mode, nor a
// watcher package). Each kernel event is looked at once (lstat of the name it
// names) and becomes a change of one path; the changes go to a sink the
// caller bounds (protocol/watch-pending.ts).
//
// A folder that appears is watched before it is read, and what is in it is
// reported, so files made in it before its watch began are not missed. A
// folder that goes away takes its watches with it. ferry's own files (a
// download's .ferry-part, the sync trash) are never news. Symlinked folders
// are not followed. Past `maxFolders` watches, when the kernel cannot say
// what changed, or after a burst that may have overflowed its queue, the sink
// is told to rescan.

import { type Dirent, type FSWatcher, lstatSync, readdirSync, realpathSync, type Stats, statSync, watch } from 'node:fs';
import path from 'node:path';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import { BurstGauge, type ChangeKind } from '../protocol/watch-pending.js';
import { isFerryOwn } from './local-tree.js';

export interface LocalChangeSink {
  change(rel: string, kind: ChangeKind): void;
  rescan(reason: string): void;
}

/** Folders watched at most (one kernel watch each); the server's budget is the same. */
export const MAX_WATCHED_FOLDERS = 16_384;
/**
 * Raw events in a second past which the kernel's queue (16,384 by default)
 * may have overflowed, dropping events unseen: then a rescan. Half the
 * default queue, as on the server (src/server/watch/burst.ts).
 */
export const BURST_EVENTS = 8192;

export class LocalTreeWatcher {
  private readonly watchers = new Map<string, { w: FSWatcher; dev: number; ino: number }>();
  private closed = false;
  private readonly burst: BurstGauge;

  constructor(
    private readonly root: string,
    private readonly sink: LocalChangeSink,
    private readonly maxFolders = MAX_WATCHED_FOLDERS,
    burstEvents = BURST_EVENTS,
  ) {
    this.burst = new BurstGauge(burstEvents);
  }

  /** Folders watched now (tests check that removed ones are let go). */
  get folders(): number {
    return this.watchers.size;
  }

  /** Watch the root and every folder below it. Fails when the root cannot be watched. */
  start(): void {
    // Where the folder really is: its own events are then recognised by that name.
    let top: string;
    try {
      top = realpathSync(path.resolve(this.root));
    } catch {
      throw new FerryError(ErrorCode.NotFound, `${path.resolve(this.root)} is not a folder`);
    }
    const st = statSync(top, { throwIfNoEntry: false });
    if (!st?.isDirectory()) throw new FerryError(ErrorCode.NotFound, `${top} is not a folder`);
    this.addFolder(top, '', st, false);
  }

  close(): void {
    this.closed = true;
    for (const { w } of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  /** Watch `abs`, then read it: subfolders watched, and with `report` everything in it reported. */
  private addFolder(abs: string, rel: string, st: Stats, report: boolean): void {
    if (this.closed || this.watchers.has(rel)) return;
    if (this.watchers.size >= this.maxFolders) return this.sink.rescan('limit');
    let w: FSWatcher;
    try {
      // Persistent: following the folder is what keeps `ferry sync --watch --push` running.
      w = watch(abs, (type, name) => this.onRaw(abs, rel, st, type, name));
    } catch {
      if (rel === '') throw new FerryError(ErrorCode.Internal, `cannot watch ${abs}`);
      return this.sink.rescan('failed');
    }
    w.on('error', () => {
      this.unwatch(rel);
      this.sink.rescan('failed');
    });
    this.watchers.set(rel, { w, dev: st.dev, ino: st.ino });
    let dirents: Dirent[];
    try {
      dirents = readdirSync(abs, { withFileTypes: true });
    } catch {
      return; // gone already: its parent's watch says so
    }
    for (const d of dirents) {
      if (isFerryOwn(d.name)) continue;
      const childRel = rel === '' ? d.name : `${rel}/${d.name}`;
      if (d.isDirectory()) {
        if (report) this.sink.change(childRel, 'folder');
        try {
          this.addFolder(path.join(abs, d.name), childRel, lstatSync(path.join(abs, d.name)), report);
        } catch {
          // went away between the two reads: its removal is reported by this folder's watch
        }
      } else if (report) this.sink.change(childRel, 'added');
    }
  }

  /** Stop watching a folder and everything below it. */
  private unwatch(rel: string): void {
    const below = rel === '' ? '' : `${rel}/`;
    for (const [r, { w }] of this.watchers) {
      if (r !== rel && !r.startsWith(below)) continue;
      w.close();
      this.watchers.delete(r);
    }
  }

  private onRaw(dirAbs: string, dirRel: string, dirStat: Stats, type: string, name: string | Buffer | null): void {
    if (this.closed) return;
    if (this.burst.note(performance.now())) this.sink.rescan('overflow');
    const watched = this.watchers.get(dirRel);
    // Late news from a watch already dropped (its folder went): ignored.
    if (!watched || watched.dev !== dirStat.dev || watched.ino !== dirStat.ino) return;
    if (name === null) return this.sink.rescan('failed');
    const base = String(name);
    // A folder's watch also reports the folder itself (removed or moved), under its own name.
    if (base === path.basename(dirAbs) && !sameFolder(dirAbs, dirStat)) {
      this.unwatch(dirRel);
      return dirRel === '' ? this.sink.rescan('failed') : this.sink.change(dirRel, 'removed');
    }
    if (isFerryOwn(base)) return;
    const rel = dirRel === '' ? base : `${dirRel}/${base}`;
    let st: Stats;
    try {
      st = lstatSync(path.join(dirAbs, base));
    } catch {
      this.unwatch(rel);
      return this.sink.change(rel, 'removed');
    }
    const was = this.watchers.get(rel);
    if (was && (was.dev !== st.dev || was.ino !== st.ino || !st.isDirectory())) {
      // A watched folder whose name now holds something else: its watch goes, and so does what it was.
      this.unwatch(rel);
      this.sink.change(rel, 'removed');
    }
    if (st.isDirectory()) {
      this.sink.change(rel, 'folder');
      if (!this.watchers.has(rel)) this.addFolder(path.join(dirAbs, base), rel, st, true);
      return;
    }
    this.sink.change(rel, type === 'rename' ? 'added' : 'changed');
  }
}

/** Is the folder at `abs` still the one watched? */
function sameFolder(abs: string, st: Stats): boolean {
  try {
    const now = lstatSync(abs);
    return now.dev === st.dev && now.ino === st.ino;
  } catch {
    return false;
  }
}
