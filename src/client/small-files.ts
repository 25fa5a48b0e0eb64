// Where a batch of small files lands (batch-fetch.ts). A small file is
// verified in memory before a byte of it is written, so what is left is
// durability, and that is made cheap by doing it per batch, not per file:
//
//   add():    write each file to a temp name beside its destination (created
//             exclusively, never through a link) and give it the server's
//             time; without a filesystem sync (fs-sync.ts), also fsync it on
//             the thread pool, several at once;
//   finish(): once every file is written, make them durable together (one
//             syncfs for the whole batch, shared with the batches beside it;
//             or the fsyncs above), give each file its real name (link, so a
//             file that appeared meanwhile is never replaced; then the temp
//             name goes), then make the names durable (syncfs again, or one
//             fsync per folder touched).
//
// So a name only ever points at bytes that are verified and on disk, and the
// names themselves are on disk before the batch is reported done. Creating a
// file and syncing it go to the thread pool (they wait on the file system);
// the other steps are synchronous calls: a file of a few KiB is written to
// the page cache in microseconds, where each thread-pool round trip costs
// 50-150 µs here.

import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsync, futimesSync, linkSync, lstatSync, open, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { errCode, fsyncPath } from '../cache/fsutil.js';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import type { Syncer } from './fs-sync.js';
import { describeWriteError } from './landing/landing.js';

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);
/** fsyncs running at once: the thread pool has four threads, and the disk merges what comes together. */
const SYNCS_AT_ONCE = 4;
/** link() unsupported by the filesystem (FAT, some network and FUSE mounts). */
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK']);

interface Written {
  key: number;
  dest: string;
  temp: string;
  /** Open while it waits for its fsync (without a filesystem sync). */
  fd: number | undefined;
  /** The temp exists (ours to remove). */
  created: boolean;
  error?: FerryError;
}

export interface Placed {
  key: number;
  ok: boolean;
  error?: FerryError;
}

export class SmallFileBatch {
  /** Temp names: `.NAME.<pid>-<12 hex>.ferry-tmp` as destination.ts makes them (so its sweep knows them), random per batch and counted per file. */
  private readonly tag = `${process.pid}-${randomBytes(3).toString('hex')}`;
  private serial = 0;
  private readonly written: Written[] = [];
  private readonly toSync: Written[] = [];
  private syncing = 0;
  /** Files not yet written (and, without a filesystem sync, synced), or failed. */
  private busy = 0;
  private idle: (() => void) | undefined;

  /** `syncer`: one sync of the destination's filesystem for the batch (fs-sync.ts); without it, fsync per file. */
  constructor(private readonly syncer?: Syncer) {}

  /**
   * Write one verified file to a temp name beside `dest` (whose folder exists)
   * with the server's modification time. A file that cannot be written fails
   * alone, in finish().
   *
   * With a filesystem sync, every step is a synchronous call: the create (a
   * directory entry and an inode) costs tens of µs, the write of a few KiB to
   * the page cache a few, where each thread-pool round trip costs as much
   * again in wake-ups, twice, and on a loaded machine a context switch.
   * Without one, the create goes to the thread pool so the fsyncs that
   * follow it there overlap.
   */
  add(key: number, dest: string, bytes: Buffer, mtimeMs: number): void {
    const temp = path.join(path.dirname(dest), `.${path.basename(dest).slice(0, 100)}.${this.tag}${(this.serial++).toString(16).padStart(6, '0')}.ferry-tmp`);
    const w: Written = { key, dest, temp, fd: undefined, created: false };
    this.written.push(w);
    if (this.syncer) return this.writeNow(w, bytes, mtimeMs);
    this.busy++;
    open(temp, CREATE, 0o600, (err, fd) => {
      if (err) return this.settle(w, err);
      w.created = true;
      w.fd = fd;
      try {
        writeAll(fd, bytes, mtimeMs);
      } catch (error) {
        return this.settle(w, error);
      }
      this.toSync.push(w);
      this.pump();
    });
  }

  /** Create, write and close the temp at once: the filesystem sync in finish() covers it. */
  private writeNow(w: Written, bytes: Buffer, mtimeMs: number): void {
    let fd: number | undefined;
    try {
      fd = openSync(w.temp, CREATE, 0o600);
      w.created = true;
      writeAll(fd, bytes, mtimeMs);
    } catch (err) {
      w.error = describeWriteError(err);
    } finally {
      if (fd !== undefined) {
        try {
          closeSync(fd);
        } catch (err) {
          w.error ??= describeWriteError(err);
        }
      }
    }
  }

  /** Make every written file durable, give each its real name, and make the names durable. */
  async finish(): Promise<Placed[]> {
    await this.settled();
    for (const w of this.written) this.close(w);
    if (this.syncer) await this.syncAll(this.written.filter((w) => !w.error));
    const out: Placed[] = [];
    const folders = new Set<string>();
    for (const w of this.written) {
      if (w.error) {
        if (w.created) unlinkQuiet(w.temp);
        out.push({ key: w.key, ok: false, error: w.error });
        continue;
      }
      try {
        placeExclusive(w.temp, w.dest);
        folders.add(path.dirname(w.dest));
        out.push({ key: w.key, ok: true });
      } catch (err) {
        unlinkQuiet(w.temp);
        out.push({ key: w.key, ok: false, error: err instanceof FerryError ? err : describeWriteError(err) });
      }
    }
    this.written.length = 0;
    if (folders.size === 0) return out;
    // The links are durable once their folders are: one sync for the batch, or one fsync per folder.
    const fsyncFolders = () => Promise.all([...folders].map((f) => fsyncPath(f))).then(() => undefined);
    await (this.syncer ? this.syncer.sync().catch(fsyncFolders) : fsyncFolders());
    return out;
  }

  /** Stop: nothing written so far takes its real name; the temps go. */
  async abandon(): Promise<void> {
    await this.settled();
    for (const w of this.written.splice(0)) {
      this.close(w);
      if (w.created) unlinkQuiet(w.temp); // never created: the name is not ours
    }
  }

  /**
   * One filesystem sync for `files`; should it fail, each is fsync'ed on its
   * own (a fresh open sees a writeback error no one has seen), so a file
   * fails only for an error of its own.
   */
  private async syncAll(files: Written[]): Promise<void> {
    try {
      await this.syncer!.sync();
      return;
    } catch {
      // fsync each, below
    }
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        const w = files[next++]!;
        await fsyncPath(w.temp).catch((err: unknown) => (w.error = describeWriteError(err)));
      }
    };
    await Promise.all(Array.from({ length: SYNCS_AT_ONCE }, worker));
  }

  private close(w: Written): void {
    if (w.fd === undefined) return;
    closeSync(w.fd);
    w.fd = undefined;
  }

  private pump(): void {
    while (this.syncing < SYNCS_AT_ONCE && this.toSync.length > 0) {
      const w = this.toSync.shift()!;
      this.syncing++;
      fsync(w.fd!, (err) => {
        this.syncing--;
        this.settle(w, err);
        this.pump();
      });
    }
  }

  /** One file is written (and synced), or failed. */
  private settle(w: Written, err: unknown): void {
    if (err) w.error = describeWriteError(err);
    if (--this.busy === 0) this.idle?.();
  }

  private settled(): Promise<void> {
    if (this.busy === 0) return Promise.resolve();
    return new Promise((resolve) => (this.idle = resolve));
  }
}

/** The whole of `bytes` into a new file, with the server's modification time. */
function writeAll(fd: number, bytes: Buffer, mtimeMs: number): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
  futimesSync(fd, mtimeMs / 1000, mtimeMs / 1000);
}

/** Give the temp its real name unless a file has it (EXISTS then: the file there is kept). */
function placeExclusive(temp: string, dest: string): void {
  const appeared = () => new FerryError(ErrorCode.Exists, `${dest} appeared during the download; kept it`);
  try {
    linkSync(temp, dest);
  } catch (err) {
    if (errCode(err) === 'EEXIST') throw appeared();
    if (!NO_LINKS.has(errCode(err) ?? '')) throw err;
    // No hard links here: check, then rename (a window of two calls, where link leaves none).
    if (lstatExists(dest)) throw appeared();
    renameSync(temp, dest);
    return;
  }
  unlinkSync(temp);
}

function lstatExists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

function unlinkQuiet(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    // already gone
  }
}
