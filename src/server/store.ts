// The shared folder. This is the ONE place where a client-supplied path turns
// into a filesystem path: every handler goes through resolve/openRead/openNow/
// withParent, and the listing walk goes through children(), so confinement
// is decided once, here.
//
// Rules, in order: a path is '/'-separated and relative to the share; it is
// checked lexically first (no control characters, no backslashes, no drive
// letters, no absolute paths, no '..' above the root, bounded lengths), then
// on disk with realpath, so a symlink is followed only while its real target
// stays inside the share. Only regular files and folders are ever served, and
// never ferry's own state (isPrivate, see private-state.ts).

import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  opendirSync,
  openSync,
  readlinkSync,
  realpathSync,
  statSync,
  type Dir,
  type Stats,
} from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import { MAX_NAME_BYTES, MAX_PATH_BYTES } from '../protocol/limits.js';
import type { BrokenLink } from '../protocol/messages.js';
import type { PrivateState } from './private-state.js';
import { uploadTempName } from './upload-temp.js';

export interface Resolved {
  /** Real absolute path (symlinks resolved). */
  abs: string;
  /** Normalised '/'-separated path as the client names it; '' is the root. */
  rel: string;
  stat: Stats;
}

export interface Child extends Resolved {
  name: string;
  /** The entry itself is a symlink (already checked to stay inside the share). */
  link: boolean;
  /**
   * A symlink listed as itself, not followed: its target is missing, or outside
   * the share. `stat` is then the link's own (lstat), `abs` the link's path.
   */
  broken?: BrokenLink;
  /** With `broken`: the link's text, only when it names a place inside the share. */
  target?: string;
}

const INTERNAL_PREFIX = '.ferry-';
// Partial downloads (.x.ferry-part), their sidecars (.x.ferry-part.json) and the
// client's atomic-write temp files (.x.<id>.ferry-tmp), should any land in a share.
const INTERNAL_SUFFIXES = ['.ferry-part', '.ferry-part.json', '.ferry-tmp'];
// O_NOFOLLOW and O_NONBLOCK are POSIX-only; where missing, the dev+ino check after open still guards.
const OPEN_READ = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
// Linux: open for the entry itself, not its contents; /proc/self/fd names where a descriptor really is.
const O_PATH = 0o10000000;
// (/proc/PID rather than /proc/self: one symlink fewer to follow on every lookup through it.)
const PROC_FD = process.platform === 'linux' && existsSync(`/proc/${process.pid}/fd`) ? `/proc/${process.pid}/fd` : undefined;
// Entries examined (and handed out) at a time in a folder read: one walk's step
// (listing.ts), so small enough that many walks interleave finely.
const STAT_SLICE = 128;
// Entries opendir fetches per read from the kernel.
const DIR_READ_ENTRIES = 256;
const CONTROL = /[\u0000-\u001f\u007f]/;
/** What ShareStore.child answers for a symlink: it is judged by linkChild, which waits for realpath. */
const LINK = Symbol('link');

/** How long a walk runs at most before the event loop gets a turn. */
const TURN_MS = 5;
let lastTurn = 0;

/**
 * Let the event loop run (other connections, a cancel) when a walk has had
 * it for TURN_MS: a turn for every slice cost a listing more than the
 * thread-pool reads it replaced.
 */
function nextTurn(): Promise<void> | undefined {
  const now = performance.now();
  if (now - lastTurn < TURN_MS) return undefined;
  lastTurn = now;
  return new Promise<void>((resolve) => setImmediate(resolve));
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {}
}

// Where `ferry sync --push --delete` puts what it deletes: an ordinary folder a
// client makes and may browse, restore from or remove, so not reserved.
const TRASH_NAME = '.ferry-trash';

/** Names ferry itself writes (upload temp files, partial downloads, sidecars); never listed or served. */
export function isInternalName(name: string): boolean {
  if (name === TRASH_NAME) return false;
  return name.startsWith(INTERNAL_PREFIX) || INTERNAL_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

function fail(code: ErrorCode, message: string): never {
  throw new FerryError(code, message);
}

/** Map a filesystem error to a coded error that names the client's path, never the server's. */
export function fsError(err: unknown, rel: string): FerryError {
  if (err instanceof FerryError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  const shown = `'${rel || '/'}'`;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
    case 'ELOOP':
      return new FerryError(ErrorCode.NotFound, `${shown} does not exist`);
    case 'EACCES':
    case 'EPERM':
      return new FerryError(ErrorCode.Forbidden, `${shown} is not readable by the server`);
    case 'ENAMETOOLONG':
      return new FerryError(ErrorCode.BadRequest, `${shown} is too long`);
    default:
      return new FerryError(ErrorCode.Internal, `${shown}: ${code ?? String(err)}`);
  }
}

/** A single name that resolve() would accept; the walk skips on-disk names that fail this. */
export function nameProblem(name: string): string | undefined {
  if (CONTROL.test(name)) return 'contains control characters';
  if (name.includes('\\')) return 'contains a backslash';
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) return `has a name longer than ${MAX_NAME_BYTES} bytes`;
  return undefined;
}

/** A folder held open by descriptor; see openHeldFolder. */
export interface HeldFolder {
  /** A path naming `name` inside the held folder (through its descriptor on Linux). */
  at(name: string): string;
  /** Where `name` in the held folder really is (for checks, never for I/O). */
  real(name: string): string;
  /** Read the held folder's entries (opendir through the descriptor). */
  open(): Promise<Dir>;
  close(): Promise<void>;
}

/**
 * Hold the folder named by `where` (a path from HeldParent.at or
 * HeldFolder.at, or a resolved real path) without following a symlink in its
 * last name, and prove it lies inside `root`: the tree walks of remove and copy
 * descend one held folder at a time, so a folder swapped for a link to outside
 * mid-walk is refused (ELOOP, ENOTDIR or CHANGED), never entered.
 */
export async function openHeldFolder(where: string, root: string): Promise<HeldFolder> {
  const inside = (real: string) => real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
  const withSep = (p: string) => (p.endsWith(path.sep) ? p : p + path.sep);
  if (!PROC_FD) {
    const real = await fs.realpath(where);
    if (!inside(real)) fail(ErrorCode.Changed, 'a folder changed while it was being walked');
    return { at: (n) => withSep(where) + n, real: (n) => withSep(real) + n, open: () => fs.opendir(where), close: async () => {} };
  }
  const handle = await fs.open(where, O_PATH | (constants.O_DIRECTORY ?? 0) | (constants.O_NOFOLLOW ?? 0));
  try {
    const real = await fs.readlink(`${PROC_FD}/${handle.fd}`);
    if (!inside(real)) fail(ErrorCode.Changed, 'a folder changed while it was being walked');
    const at = `${PROC_FD}/${handle.fd}/`;
    return {
      at: (n) => at + n,
      real: (n) => withSep(real) + n,
      open: () => fs.opendir(at, { bufferSize: DIR_READ_ENTRIES }),
      close: () => handle.close().catch(() => undefined),
    };
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}

/** A folder held open for writing into; see ShareStore.withParent. */
export interface HeldParent {
  /** The normalised client path of the entry being written. */
  readonly rel: string;
  /** Its last name, the one created in the held folder. */
  readonly name: string;
  /** A path naming `name` inside the held folder (through its descriptor on Linux). */
  at(name: string): string;
  /** Where `name` in the held folder really is (for checks, never for I/O). */
  real(name: string): string;
}

export class ShareStore {
  readonly root: string;
  private readonly prefix: string;
  private privateState: PrivateState | undefined;

  private constructor(root: string) {
    this.root = root;
    this.prefix = root.endsWith(path.sep) ? root : root + path.sep;
  }

  static async open(root: string): Promise<ShareStore> {
    let real: string;
    try {
      real = await fs.realpath(path.resolve(root));
    } catch {
      fail(ErrorCode.NotFound, `shared folder ${root} does not exist`);
    }
    const stat = await fs.stat(real);
    if (!stat.isDirectory()) fail(ErrorCode.NotADirectory, `shared folder ${root} is not a folder`);
    return new ShareStore(real);
  }

  /** From now on, treat ferry's own state inside the share as absent (see private-state.ts). */
  keepPrivate(state: PrivateState): void {
    this.privateState = state;
  }

  /** Does the folder at this real path hold ferry's own state somewhere below it? */
  holdsPrivate(real: string): boolean {
    return this.privateState?.within(real) ?? false;
  }

  /** Is this real path (with this stat, if known) ferry's own state, never to be served? */
  isPrivate(real: string, stat?: Stats): boolean {
    return this.privateState?.covers(real, stat) ?? false;
  }

  /** Lexical checks only: the path as segments, '..' folded, or a coded refusal. */
  segments(rel: string): string[] {
    if (typeof rel !== 'string') fail(ErrorCode.BadRequest, 'path must be a string');
    if (Buffer.byteLength(rel) > MAX_PATH_BYTES) fail(ErrorCode.BadRequest, `path is longer than ${MAX_PATH_BYTES} bytes`);
    if (rel.includes('\0')) fail(ErrorCode.BadRequest, 'path contains a NUL byte');
    if (CONTROL.test(rel)) fail(ErrorCode.BadRequest, 'path contains control characters');
    if (rel.includes('\\')) fail(ErrorCode.OutsideShare, 'paths use / as separator; backslashes are refused');
    if (/^[A-Za-z]:/.test(rel)) fail(ErrorCode.OutsideShare, 'drive-letter paths are outside the share');
    // '/' alone names the root; anything longer starting with '/' is an absolute server path.
    if (rel.startsWith('/') && !/^\/+$/.test(rel)) fail(ErrorCode.OutsideShare, 'absolute paths are outside the share');
    const out: string[] = [];
    for (const seg of rel.split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..') {
        if (out.length === 0) fail(ErrorCode.OutsideShare, `'${rel}' leads outside the share`);
        out.pop();
        continue;
      }
      if (Buffer.byteLength(seg) > MAX_NAME_BYTES) fail(ErrorCode.BadRequest, `a name in the path is longer than ${MAX_NAME_BYTES} bytes`);
      out.push(seg);
    }
    return out;
  }

  /** Normalise, confine, and stat a path. Follows symlinks only while they stay inside. */
  async resolve(rel: string): Promise<Resolved> {
    const segs = this.segments(rel);
    // Upload temp files and partial downloads are not addressable by clients.
    if (segs.some(isInternalName)) fail(ErrorCode.NotFound, `'${segs.join('/')}' does not exist`);
    return this.resolveSegments(segs);
  }

  private async resolveSegments(segs: string[]): Promise<Resolved> {
    const rel = segs.join('/');
    const lexical = segs.length === 0 ? this.root : this.prefix + segs.join(path.sep);
    let real: string;
    let stat: Stats;
    try {
      real = await fs.realpath(lexical);
      if (!this.contains(real)) fail(ErrorCode.OutsideShare, `'${rel}' leads outside the share`);
      stat = this.statHeld(real, rel);
    } catch (err) {
      throw fsError(err, rel);
    }
    if (!stat.isFile() && !stat.isDirectory()) fail(ErrorCode.NotAFile, `'${rel}' is not a regular file or folder`);
    return { abs: real, rel, stat };
  }

  /**
   * resolve(), every step a synchronous call. For a batch of small files:
   * these are lookups of metadata the kernel holds (microseconds each), where
   * each thread-pool round trip costs a request 50-150 µs here; reading a
   * file's bytes, which may wait for the disk, goes to the pool when it did
   * (readSmall).
   */
  private resolveNow(rel: string): Resolved {
    const segs = this.segments(rel);
    if (segs.some(isInternalName)) fail(ErrorCode.NotFound, `'${segs.join('/')}' does not exist`);
    const normal = segs.join('/');
    let real: string;
    let stat: Stats;
    try {
      real = realpathSync.native(segs.length === 0 ? this.root : this.prefix + segs.join(path.sep));
      if (!this.contains(real)) fail(ErrorCode.OutsideShare, `'${normal}' leads outside the share`);
      stat = this.statHeld(real, normal);
    } catch (err) {
      throw fsError(err, normal);
    }
    if (!stat.isFile() && !stat.isDirectory()) fail(ErrorCode.NotAFile, `'${normal}' is not a regular file or folder`);
    return { abs: real, rel: normal, stat };
  }

  /**
   * The stat of what `real` names, proven to be inside the share. realpath and a
   * later stat by path are two lookups: a folder on the way swapped for a symlink
   * between them makes the stat describe a file outside, whose identity then
   * passes every later dev+ino check. So the entry is opened (O_PATH: no read
   * access, no side effects on devices or FIFOs) and both its identity and where
   * it really is are taken from that one descriptor.
   */
  private statHeld(real: string, rel: string): Stats {
    if (!PROC_FD) {
      const stat = statSync(real);
      if (this.isPrivate(real, stat)) fail(ErrorCode.NotFound, `'${rel}' does not exist`);
      return stat;
    }
    // Synchronous: an O_PATH open does no I/O on the file, and the four calls
    // cost microseconds where four thread-pool round trips cost ~130 µs a path.
    const fd = openSync(real, O_PATH | (constants.O_NOFOLLOW ?? 0));
    try {
      const stat = fstatSync(fd);
      const where = readlinkSync(`${PROC_FD}/${fd}`);
      if (!this.contains(where) || stat.isSymbolicLink()) fail(ErrorCode.Changed, `'${rel}' changed while it was being checked`);
      // ferry's own state is answered exactly like a path that is not there.
      if (this.isPrivate(where, stat)) fail(ErrorCode.NotFound, `'${rel}' does not exist`);
      return stat;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Open a regular file read-only. The handle is fstat'ed after opening and must be
   * the same dev+ino that resolve() saw, so a file swapped between the check and the
   * open (for a symlink, a FIFO, another file) is refused rather than served.
   */
  async openRead(rel: string): Promise<Resolved & { handle: FileHandle }> {
    const r = await this.resolve(rel);
    if (!r.stat.isFile()) fail(ErrorCode.NotAFile, `'${r.rel || '/'}' is a folder`);
    let handle: FileHandle;
    try {
      handle = await fs.open(r.abs, OPEN_READ);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ELOOP') fail(ErrorCode.Changed, `'${r.rel}' changed while opening`);
      throw fsError(err, r.rel);
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) fail(ErrorCode.NotAFile, `'${r.rel}' is not a regular file`);
      if (stat.dev !== r.stat.dev || stat.ino !== r.stat.ino) fail(ErrorCode.Changed, `'${r.rel}' changed while opening`);
      return { handle, abs: r.abs, rel: r.rel, stat };
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw fsError(err, r.rel);
    }
  }

  /**
   * openRead, every step a synchronous call, for reading a small file whole
   * (read-whole.ts); the caller closes `fd`. A batch asks for thousands of
   * files, so on Linux this is resolveNow and openRead in half the calls: the
   * path as given is opened for itself (O_PATH: symlinks followed, no side
   * effects on devices or FIFOs, no read access), the descriptor says where
   * it really is (the check realpath and statHeld make, on the one entry
   * every later call uses), and the file is opened for reading through that
   * descriptor, so it is the very file checked: 8 calls a file where
   * realpath's per-name lookups made 18. Elsewhere: resolve, open, and the
   * descriptor must be the same dev+ino the resolve saw.
   */
  openNow(rel: string): Resolved & { fd: number } {
    if (!PROC_FD) return this.openNowByPath(rel);
    const segs = this.segments(rel);
    const normal = segs.join('/');
    if (segs.some(isInternalName)) fail(ErrorCode.NotFound, `'${normal}' does not exist`);
    let held: number;
    try {
      held = openSync(segs.length === 0 ? this.root : this.prefix + segs.join(path.sep), O_PATH);
    } catch (err) {
      throw fsError(err, normal);
    }
    try {
      const real = readlinkSync(`${PROC_FD}/${held}`);
      if (!this.contains(real)) fail(ErrorCode.OutsideShare, `'${normal}' leads outside the share`);
      const stat = fstatSync(held);
      if (this.isPrivate(real, stat)) fail(ErrorCode.NotFound, `'${normal}' does not exist`);
      if (!stat.isFile()) fail(ErrorCode.NotAFile, stat.isDirectory() ? `'${normal || '/'}' is a folder` : `'${normal}' is not a regular file`);
      const fd = openSync(`${PROC_FD}/${held}`, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
      return { fd, abs: real, rel: normal, stat };
    } catch (err) {
      throw fsError(err, normal);
    } finally {
      closeSync(held);
    }
  }

  /** openNow where descriptors cannot say where they are (not Linux). */
  private openNowByPath(rel: string): Resolved & { fd: number } {
    const r = this.resolveNow(rel);
    if (!r.stat.isFile()) fail(ErrorCode.NotAFile, `'${r.rel || '/'}' is a folder`);
    let fd: number;
    try {
      fd = openSync(r.abs, OPEN_READ);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ELOOP') fail(ErrorCode.Changed, `'${r.rel}' changed while opening`);
      throw fsError(err, r.rel);
    }
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) fail(ErrorCode.NotAFile, `'${r.rel}' is not a regular file`);
      if (stat.dev !== r.stat.dev || stat.ino !== r.stat.ino) fail(ErrorCode.Changed, `'${r.rel}' changed while opening`);
      return { fd, abs: r.abs, rel: r.rel, stat };
    } catch (err) {
      closeSync(fd);
      throw fsError(err, r.rel);
    }
  }

  /**
   * Hold the folder that will contain `rel` and run fn with it; the folder is
   * released when fn settles. Every remote write (uploads today; new folders,
   * renames and deletes later) goes through here: writing by path would let a
   * local user swap the folder for a symlink to outside between the check and
   * the write. So the folder is opened once (O_PATH), proven inside the share
   * through /proc/self/fd, and every name in it is reached through that
   * descriptor (`parent.at(name)`), which keeps naming the proven folder
   * whatever happens to its path afterwards.
   */
  async withParent<T>(rel: string, fn: (parent: HeldParent) => Promise<T>): Promise<T> {
    const segs = this.segments(rel);
    const name = segs.at(-1);
    if (name === undefined) fail(ErrorCode.NotAFile, 'cannot write over the shared folder itself');
    if (segs.some(isInternalName)) fail(ErrorCode.BadRequest, `'${name}' is a name reserved by ferry`);
    const folder = await this.resolveSegments(segs.slice(0, -1));
    if (!folder.stat.isDirectory()) fail(ErrorCode.NotADirectory, `'${folder.rel}' is not a folder`);
    const normal = segs.join('/');
    let handle: FileHandle | undefined;
    let at: string; // prefix that names entries of the held folder
    let real: string; // where the held folder really is
    try {
      if (PROC_FD) {
        handle = await fs.open(folder.abs, O_PATH | (constants.O_DIRECTORY ?? 0) | (constants.O_NOFOLLOW ?? 0));
        real = await fs.readlink(`${PROC_FD}/${handle.fd}`);
        const stat = await handle.stat();
        if (!this.contains(real) || stat.dev !== folder.stat.dev || stat.ino !== folder.stat.ino) {
          fail(ErrorCode.Changed, `'${folder.rel || '/'}' changed while it was being checked`);
        }
        at = `${PROC_FD}/${handle.fd}/`;
      } else {
        real = folder.abs;
        at = real.endsWith(path.sep) ? real : real + path.sep;
      }
    } catch (err) {
      await handle?.close().catch(() => undefined);
      throw fsError(err, folder.rel);
    }
    if (this.isPrivate(real)) {
      await handle?.close().catch(() => undefined);
      fail(ErrorCode.NotFound, `'${folder.rel}' does not exist`);
    }
    const base = real.endsWith(path.sep) ? real : real + path.sep;
    try {
      return await fn({ rel: normal, name, at: (n) => at + n, real: (n) => base + n });
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }

  /**
   * Check an upload target in a held folder. An existing target is refused
   * (EXISTS) unless overwrite, and may only ever be a regular file. Returns the
   * target and a temp name beside it (so the final rename is atomic), both
   * reached through the held folder; the temp name is hidden from listings and
   * carries this process's owner tag (see staleUploadOwner). Create it with 'wx'.
   */
  async prepareWrite(parent: HeldParent, overwrite: boolean): Promise<{ target: string; temp: string }> {
    const target = parent.at(parent.name);
    let existing: Stats | undefined;
    try {
      existing = await fs.lstat(target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fsError(err, parent.rel);
    }
    // Neither ferry's state nor a hard link to it is written over; a name it will use is not taken.
    if (this.isPrivate(parent.real(parent.name), existing)) fail(ErrorCode.NotFound, `'${parent.rel}' does not exist`);
    if (existing) {
      if (!overwrite) fail(ErrorCode.Exists, `'${parent.rel}' already exists`);
      // Never replace a folder, a symlink or a device: only plain files are overwritten.
      if (!existing.isFile()) fail(ErrorCode.NotAFile, `'${parent.rel}' exists and is not a regular file`);
    }
    return { target, temp: parent.at(uploadTempName()) };
  }

  /**
   * The entries of a resolved folder that a client may see, streamed a slice at
   * a time in directory order: the folder is read with opendir, never whole, so
   * a folder of a million entries costs one slice of memory. Internal names and
   * names resolve() would refuse are dropped, symlinks are followed only when
   * their real target is inside the share, and anything that is not a regular
   * file or folder is left out; entries that vanish or cannot be read are
   * skipped. Throws (coded) only if the folder itself cannot be read. Stopping
   * early (return()) closes the folder.
   */
  async *childBatches(dir: { abs: string; rel: string }): AsyncGenerator<Child[]> {
    // On Linux the folder is held open and read through /proc/self/fd, so a folder
    // swapped for a symlink to outside after resolve() checked it is never read:
    // what is listed is the folder that was proven to be inside.
    // The folder is opened, read and closed with synchronous calls, each a few
    // microseconds: as promises they were six thread-pool round trips a folder,
    // which on a busy machine cost a listing of 100 folders more than its stats.
    let fd: number | undefined;
    let folder: Dir;
    let probe: string; // where entries are looked at
    let base: string; // the real path of the folder, for the entries' abs
    try {
      if (PROC_FD) {
        fd = openSync(dir.abs, O_PATH | (constants.O_DIRECTORY ?? 0) | (constants.O_NOFOLLOW ?? 0));
        const where = readlinkSync(`${PROC_FD}/${fd}`);
        if (!this.contains(where)) fail(ErrorCode.Changed, `'${dir.rel || '/'}' changed while it was being read`);
        probe = `${PROC_FD}/${fd}/`;
        base = where.endsWith(path.sep) ? where : where + path.sep;
      } else {
        probe = base = dir.abs.endsWith(path.sep) ? dir.abs : dir.abs + path.sep;
      }
      folder = opendirSync(probe, { bufferSize: DIR_READ_ENTRIES });
    } catch (err) {
      if (fd !== undefined) closeQuietly(fd);
      throw fsError(err, dir.rel);
    }
    try {
      const relBase = dir.rel === '' ? '' : dir.rel + '/';
      let names: string[] = [];
      // Metadata comes from synchronous lstat, a slice at a time: a promise lstat
      // costs a thread-pool round trip each (measured: 100,000 files took 1.3 s
      // that way), lstatSync a couple of microseconds, and a slice keeps any one
      // pause of the event loop to about a millisecond.
      for (let entry = folder.readSync(); entry !== null; entry = folder.readSync()) {
        if (isInternalName(entry.name) || nameProblem(entry.name) !== undefined) continue;
        names.push(entry.name);
        if (names.length < STAT_SLICE) continue;
        // With no promise left to wait on, a walk would run to its end before
        // any other connection, or this one's cancel, is heard.
        await nextTurn();
        yield this.slice(probe, base, relBase, names);
        names = [];
      }
      if (names.length > 0) {
        await nextTurn();
        yield this.slice(probe, base, relBase, names);
      }
    } catch (err) {
      throw fsError(err, dir.rel);
    } finally {
      // Ended, failed or left early (return()): the folder and the held descriptor are closed here.
      try {
        folder.closeSync();
      } catch {}
      if (fd !== undefined) closeQuietly(fd);
    }
  }

  /** The whole folder at once (small folders, tests); listings use childBatches. */
  async children(dir: { abs: string; rel: string }): Promise<Child[]> {
    const all: Child[] = [];
    for await (const slice of this.childBatches(dir)) all.push(...slice);
    return all;
  }

  /** One slice's entries, in order; only symlinks wait on a promise (realpath), every other entry is judged at once. */
  private slice(probe: string, base: string, relBase: string, names: string[]): Child[] | Promise<Child[]> {
    const out: Child[] = [];
    for (let i = 0; i < names.length; i++) {
      const c = this.child(probe, base, relBase, names[i]!);
      if (c === LINK) return this.sliceFrom(out, i, probe, base, relBase, names);
      if (c) out.push(c);
    }
    return out;
  }

  /** The rest of a slice from `i` (a symlink) on, one entry after another. */
  private async sliceFrom(out: Child[], i: number, probe: string, base: string, relBase: string, names: string[]): Promise<Child[]> {
    for (; i < names.length; i++) {
      const c = this.child(probe, base, relBase, names[i]!);
      const child = c === LINK ? await this.linkChild(probe, base, relBase, names[i]!) : c;
      if (child) out.push(child);
    }
    return out;
  }

  /**
   * One folder entry, or undefined when it must not be listed; LINK for a
   * symlink, which takes the slow, careful path (linkChild).
   */
  private child(probe: string, base: string, relBase: string, name: string): Child | undefined | typeof LINK {
    const rel = relBase + name;
    if (Buffer.byteLength(rel) > MAX_PATH_BYTES) return undefined;
    try {
      const lst = lstatSync(probe + name);
      if (this.isPrivate(base + name, lst)) return undefined;
      if (lst.isFile() || lst.isDirectory()) return { name, rel, abs: base + name, stat: lst, link: false };
      return lst.isSymbolicLink() ? LINK : undefined;
    } catch {
      return undefined; // vanished or unreadable: skip, a listing is best effort
    }
  }

  private async linkChild(probe: string, base: string, relBase: string, name: string): Promise<Child | undefined> {
    const rel = relBase + name;
    try {
      const lst = lstatSync(probe + name);
      if (!lst.isSymbolicLink()) return undefined; // replaced since: listed on the next walk
      // Shown, not hidden, when it cannot be followed: a listing that silently
      // leaves a name out says the file is not there, when it is there, broken.
      let real: string;
      try {
        real = await fs.realpath(probe + name);
      } catch {
        return this.brokenLink(probe, base, rel, name, lst, 'dangling');
      }
      if (!this.contains(real)) return this.brokenLink(probe, base, rel, name, lst, 'outside');
      const stat = this.statHeld(real, rel);
      if (!stat.isFile() && !stat.isDirectory()) return undefined;
      return { name, rel, abs: real, stat, link: true };
    } catch {
      return undefined; // vanished, dangling link, unreadable: skip, a listing is best effort
    }
  }

  /**
   * A symlink listed as itself. Its text goes out only for a dangling link whose
   * text names a place inside the share (relative, not climbing out): where an
   * outside link points, or an absolute path on the server, is not the client's
   * business.
   */
  private brokenLink(probe: string, base: string, rel: string, name: string, lst: Stats, broken: BrokenLink): Child {
    const child: Child = { name, rel, abs: base + name, stat: lst, link: true, broken };
    if (broken !== 'dangling') return child;
    try {
      const text = readlinkSync(probe + name, 'utf8');
      const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
      const lexical = path.posix.normalize(path.posix.join(parent, text));
      const inside = !path.posix.isAbsolute(text) && lexical !== '..' && !lexical.startsWith('../');
      if (inside && Buffer.byteLength(text) <= MAX_PATH_BYTES && !text.includes('\0')) child.target = text;
    } catch {
      // Gone since the lstat: listed without its text.
    }
    return child;
  }

  /** Is this real absolute path the root or below it? */
  contains(real: string): boolean {
    return real === this.root || real.startsWith(this.prefix);
  }

  /** An absolute path under the root, as the '/'-separated path clients use. */
  relative(abs: string): string {
    if (abs === this.root) return '';
    if (!abs.startsWith(this.prefix)) fail(ErrorCode.OutsideShare, 'path is outside the share');
    return abs.slice(this.prefix.length).split(path.sep).join('/');
  }
}
