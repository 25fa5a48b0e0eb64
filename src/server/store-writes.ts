// The store's write half: what mkdir, move, remove and copy do to the share.
// Like everything in store.ts it never joins a client path: each operation
// works in folders the store resolved and holds (ShareStore.withParent,
// openHeldFolder), names entries through them, and refuses the share root,
// ferry's own state and its temp names. The request handlers (handlers/) only
// call these.

import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import type { CopyRequest, MkdirRequest, MoveRequest, RemoveRequest } from '../protocol/messages.js';
import type { RequestContext } from './context.js';
import { fsError, type HeldParent, type ShareStore } from './store.js';
import { copyFileData, copyFolder, discardFolder, emptyFolder, lstatOrNone, shareRules } from './tree-ops.js';

// What the write handlers (mkdir, move, remove, copy) share: the share root is
// never their subject, ferry's own state is never seen, and filesystem errors
// come back coded with the client's path.

/** The share root itself is never moved, removed or replaced (its path folds to no names at all). */
function refuseRoot(store: ShareStore, rel: string, what: string): string[] {
  const segs = store.segments(rel);
  if (segs.length === 0) throw new FerryError(ErrorCode.Forbidden, `the shared folder itself cannot be ${what}`);
  return segs;
}

/**
 * The entry named in a held parent, not following a link, or undefined when
 * there is none. ferry's own state answers as absent, like everywhere else.
 */
async function entryIn(store: ShareStore, parent: HeldParent): Promise<Stats | undefined> {
  let st: Stats | undefined;
  try {
    st = await lstatOrNone(parent.at(parent.name));
  } catch (err) {
    throw fsError(err, parent.rel);
  }
  if (st && store.isPrivate(parent.real(parent.name), st)) throw new FerryError(ErrorCode.NotFound, `'${parent.rel}' does not exist`);
  return st;
}

/** A filesystem error of a write, coded; the codes fsError does not know are a write's own. */
function writeError(err: unknown, rel: string): FerryError {
  if (err instanceof FerryError) return err;
  switch ((err as NodeJS.ErrnoException)?.code) {
    case 'EEXIST':
      return new FerryError(ErrorCode.Exists, `'${rel}' already exists`);
    case 'ENOTEMPTY':
      return new FerryError(ErrorCode.NotEmpty, `'${rel}' is a folder that is not empty`);
    case 'EXDEV':
      return new FerryError(ErrorCode.BadRequest, `'${rel}' is on another file system; copy it, then remove the original`);
    case 'EINVAL':
      return new FerryError(ErrorCode.BadRequest, `'${rel}' cannot be moved into itself`);
    case 'ENOSPC':
      return new FerryError(ErrorCode.NoSpace, 'the server is out of disk space');
    case 'EROFS':
      return new FerryError(ErrorCode.ReadOnly, 'the shared folder is on a read-only file system');
    case 'EISDIR':
      return new FerryError(ErrorCode.Exists, `'${rel}' is a folder`);
    default:
      return fsError(err, rel);
  }
}

/** Is `inner` the folder `outer` or somewhere below it (by names, after '..' folded)? */
function isWithin(inner: string[], outer: string[]): boolean {
  return inner.length >= outer.length && outer.every((s, i) => inner[i] === s);
}

/**
 * Make the folders above `rel` that do not exist yet, one level at a time,
 * each created inside its held parent (ShareStore.withParent) and checked to
 * be a folder inside the share before the next: a name that exists as
 * anything else, or a link out of the share, stops it with the usual codes.
 */
export async function makeParents(store: ShareStore, rel: string): Promise<void> {
  const segs = store.segments(rel);
  for (let depth = 1; depth < segs.length; depth++) {
    const folder = segs.slice(0, depth).join('/');
    await store.withParent(folder, async (parent) => {
      await fs.mkdir(parent.at(parent.name), { mode: 0o755 }).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw fsError(err, folder);
      });
    });
    const made = await store.resolve(folder);
    if (!made.stat.isDirectory()) throw new FerryError(ErrorCode.NotADirectory, `'${made.rel}' is not a folder`);
  }
}

/**
 * Make a folder inside its held parent (ShareStore.withParent). With
 * `parents` the folders above it are made first, and an existing folder is
 * not an error (like mkdir -p); without, an existing name is EXISTS.
 */
export async function makeFolder(ctx: RequestContext<MkdirRequest>): Promise<object> {
  const { store } = ctx.services;
  const { path, parents } = ctx.request;
  refuseRoot(store, path, 'made again');
  if (parents) await makeParents(store, path);
  return store.withParent(path, async (parent) => {
    try {
      await fs.mkdir(parent.at(parent.name), { mode: 0o755 });
      return { path: parent.rel, created: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw writeError(err, parent.rel);
      const st = await entryIn(store, parent);
      if (!parents || !st) throw new FerryError(ErrorCode.Exists, `'${parent.rel}' already exists`);
      if (!st.isDirectory()) throw new FerryError(ErrorCode.NotADirectory, `'${parent.rel}' exists and is not a folder`);
      return { path: parent.rel, created: false };
    }
  });
}

/**
 * Rename a file or folder within the share: one rename(2) between two held
 * folders (ShareStore.withParent), so the entry is never copied and never
 * half there. A name already taken is refused (EXISTS) unless `overwrite`,
 * which replaces a regular file with a regular file and nothing else. The
 * no-clobber case stays no-clobber under a race: a file is linked to its new
 * name (link() fails if the name appeared) and then unlinked from the old, a
 * folder's new name is claimed with mkdir() and the rename then replaces
 * only that empty placeholder. Hashes stay valid: the identity (dev, ino,
 * size, mtime) moves with the file; a replaced file's are forgotten.
 */
export async function moveEntry(ctx: RequestContext<MoveRequest>): Promise<object> {
  const { store, hashes } = ctx.services;
  const { from, to, overwrite } = ctx.request;
  const fromSegs = refuseRoot(store, from, 'moved');
  const toSegs = refuseRoot(store, to, 'replaced');
  if (isWithin(toSegs, fromSegs)) {
    if (toSegs.length === fromSegs.length) {
      const here = await store.resolve(from); // NOT_FOUND when there is nothing to leave in place
      return { from: here.rel, to: here.rel, moved: false };
    }
    throw new FerryError(ErrorCode.BadRequest, `'${fromSegs.join('/')}' cannot be moved into itself`);
  }
  return store.withParent(from, (src) =>
    store.withParent(to, async (dst) => {
      const st = await entryIn(store, src);
      if (!st) throw new FerryError(ErrorCode.NotFound, `'${src.rel}' does not exist`);
      if (!st.isFile() && !st.isDirectory() && !st.isSymbolicLink()) throw new FerryError(ErrorCode.NotAFile, `'${src.rel}' is not a file or folder`);
      if (st.isDirectory() && store.holdsPrivate(src.real(src.name))) {
        throw new FerryError(ErrorCode.Forbidden, `'${src.rel}' holds the server's own state and stays where it is`);
      }
      const existing = await entryIn(store, dst);
      const source = src.at(src.name);
      const target = dst.at(dst.name);
      try {
        if (existing) {
          if (!overwrite) throw new FerryError(ErrorCode.Exists, `'${dst.rel}' already exists`);
          if (!existing.isFile() || !st.isFile()) throw new FerryError(ErrorCode.Exists, `'${dst.rel}' already exists; only a file replaces a file`);
          await fs.rename(source, target);
          hashes.forget(existing);
        } else if (st.isDirectory()) {
          await fs.mkdir(target, { mode: 0o700 });
          await fs.rename(source, target).catch(async (err) => {
            await fs.rmdir(target).catch(() => undefined);
            throw err;
          });
        } else {
          await linkThenUnlink(source, target);
        }
      } catch (err) {
        throw writeError(err, err instanceof FerryError || (err as NodeJS.ErrnoException).code !== 'ENOENT' ? dst.rel : src.rel);
      }
      return { from: src.rel, to: dst.rel, moved: true };
    }),
  );
}

/** A file's new name without ever taking one that exists; where hard links are not supported, a plain rename after the check. */
async function linkThenUnlink(source: string, target: string): Promise<void> {
  try {
    await fs.link(source, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EMLINK') throw err;
    await fs.rename(source, target);
    return;
  }
  await fs.unlink(source);
}

/**
 * Remove a file (or a link: the link itself, never what it names), an empty
 * folder, or with `recursive` a folder and everything in it. A recursive
 * remove deletes at most `limits.removeEntries` entries per request and then
 * answers `more: true`; the client asks again. ITEMs `{removed}` report
 * progress. The share root, and a folder holding ferry's own state, are
 * never removed; each removed file's hashes are forgotten.
 */
export async function removeEntry(ctx: RequestContext<RemoveRequest>): Promise<object> {
  const { store, hashes, limits } = ctx.services;
  const { path, recursive } = ctx.request;
  refuseRoot(store, path, 'removed');
  return store.withParent(path, async (parent) => {
    const st = await entryIn(store, parent);
    if (!st) throw new FerryError(ErrorCode.NotFound, `'${parent.rel}' does not exist`);
    const at = parent.at(parent.name);
    try {
      if (!st.isDirectory()) {
        await fs.unlink(at);
        if (st.isFile()) hashes.forget(st);
        return { path: parent.rel, removed: 1, more: false };
      }
      if (store.holdsPrivate(parent.real(parent.name))) {
        throw new FerryError(ErrorCode.Forbidden, `'${parent.rel}' holds the server's own state and is not removed`);
      }
      let removed = 0;
      if (recursive) {
        const done = await emptyFolder(at, {
          ...shareRules(store, hashes),
          budget: limits.removeEntries,
          signal: ctx.signal,
          progress: (n) => ctx.item({ removed: n }),
        });
        removed = done.removed;
        ctx.note({ removed });
        if (!done.emptied) return { path: parent.rel, removed, more: true };
      }
      await fs.rmdir(at);
      ctx.note({ removed: removed + 1 });
      return { path: parent.rel, removed: removed + 1, more: false };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOTEMPTY') {
        throw new FerryError(
          ErrorCode.NotEmpty,
          recursive ? `'${parent.rel}' is not empty: something was added while it was being removed` : `'${parent.rel}' is a folder that is not empty`,
        );
      }
      throw writeError(err, parent.rel);
    }
  });
}

/**
 * Copy a file or a folder within the share. The copy is made under a hidden
 * temp name beside its target (the upload temp name, so a dead server's is
 * found at the next start) and renamed into place only when complete: a
 * client never sees half a copy. A file's target may be replaced with
 * `overwrite` (a regular file only); a folder's may not exist. A folder of
 * more than `limits.copyEntries` entries is refused. The source is read
 * through the store (openRead, or held folders below a resolved one), so a
 * copy cannot read outside the share either.
 */
export async function copyEntry(ctx: RequestContext<CopyRequest>): Promise<object> {
  const { store, hashes, limits } = ctx.services;
  const { from, to, overwrite } = ctx.request;
  const fromSegs = store.segments(from);
  const toSegs = refuseRoot(store, to, 'replaced');
  if (isWithin(toSegs, fromSegs)) throw new FerryError(ErrorCode.BadRequest, `'${toSegs.join('/')}' is inside what is being copied`);
  const source = await store.resolve(from);
  const common = { hashes, signal: ctx.signal, countBytes: (n: number) => ctx.countBytes(n) };
  if (source.stat.isFile()) {
    const file = await store.openRead(from);
    try {
      return await store.withParent(to, async (dst) => {
        const { target, temp } = await store.prepareWrite(dst, overwrite ?? false);
        let placed = false;
        try {
          const bytes = await copyFileData(file.handle, file.stat.size, file.stat.mtimeMs, temp, common);
          if (overwrite) {
            // The file replaced frees its inode: its hashes must not pass to whatever gets it next.
            const replaced = await lstatOrNone(target);
            await fs.rename(temp, target);
            if (replaced?.isFile()) hashes.forget(replaced);
          } else {
            await fs.link(temp, target).then(() => fs.unlink(temp));
          }
          placed = true;
          return { from: file.rel, to: dst.rel, files: 1, folders: 0, bytes, skipped: 0 };
        } catch (err) {
          throw writeError(err, dst.rel);
        } finally {
          if (!placed) await fs.unlink(temp).catch(() => undefined);
        }
      });
    } finally {
      await file.handle.close().catch(() => undefined);
    }
  }
  return store.withParent(to, async (dst) => {
    if (await entryIn(store, dst)) throw new FerryError(ErrorCode.Exists, `'${dst.rel}' already exists`);
    const { temp, target } = await store.prepareWrite(dst, false);
    await fs.mkdir(temp, { mode: 0o755 });
    let placed = false;
    try {
      const count = await copyFolder(source.abs, temp, {
        store,
        budget: limits.copyEntries,
        progress: (entries, bytes) => ctx.item({ entries, bytes }),
        ...common,
      });
      // Claim the name (mkdir fails if it appeared meanwhile); the rename replaces only this empty placeholder.
      await fs.mkdir(target, { mode: 0o700 });
      await fs.rename(temp, target).catch(async (err) => {
        await fs.rmdir(target).catch(() => undefined);
        throw err;
      });
      placed = true;
      ctx.note({ files: count.files, folders: count.folders });
      return { from: source.rel, to: dst.rel, ...count };
    } catch (err) {
      throw writeError(err, dst.rel);
    } finally {
      if (!placed) await discardFolder(temp, shareRules(store, hashes));
    }
  });
}
