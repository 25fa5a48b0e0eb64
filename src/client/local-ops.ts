// File operations on the local folder (the app's left pane), with the same
// shapes and the same failure codes as the share's (FerryApi): the app calls
// one FileOps for either side and switches on FileOpReason, never on message
// text. Every path is relative to the local folder and confined to it by
// LocalSide.resolve; the folder itself is never removed or moved.

import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import { dirname } from 'node:path';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import type { LocalSide } from './local-side.js';
import { isFerryOwn } from './local-tree.js';
import type { CopyOptions, CopyResult, FileOps, MkdirOptions, MkdirResult, MoveOptions, MoveResult, RemoveOptions, RemoveResult } from './types.js';

function coded(err: unknown, rel: string): FerryError {
  if (err instanceof FerryError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  const shown = `'${rel}'`;
  switch (code) {
    case 'ENOENT':
      return new FerryError(ErrorCode.NotFound, `${shown} does not exist`);
    case 'EEXIST':
    case 'ERR_FS_CP_EEXIST':
      return new FerryError(ErrorCode.Exists, `${shown} already exists`);
    case 'ENOTEMPTY':
      return new FerryError(ErrorCode.NotEmpty, `${shown} is a folder that is not empty`);
    case 'ENOTDIR':
      return new FerryError(ErrorCode.NotADirectory, `${shown}: a folder on the way is a file`);
    case 'EISDIR':
      return new FerryError(ErrorCode.Exists, `${shown} is a folder`);
    case 'EINVAL':
    case 'ERR_FS_CP_EINVAL':
      return new FerryError(ErrorCode.BadRequest, `${shown} cannot go into itself`);
    case 'EACCES':
    case 'EPERM':
      return new FerryError(ErrorCode.Forbidden, `${shown}: permission denied`);
    case 'EROFS':
      return new FerryError(ErrorCode.ReadOnly, `${shown} is on a read-only file system`);
    case 'ENOSPC':
      return new FerryError(ErrorCode.NoSpace, 'the local disk is full');
    default:
      return new FerryError(ErrorCode.Internal, `${shown}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export class LocalOps implements FileOps {
  readonly writable = true;

  constructor(private readonly side: LocalSide) {}

  /** The absolute path of a path below the folder; the folder itself is refused. */
  private below(rel: string, what: string): string {
    let abs: string;
    try {
      abs = this.side.resolve(rel);
    } catch (err) {
      throw new FerryError(ErrorCode.OutsideShare, err instanceof Error ? err.message : String(err));
    }
    if (abs === this.side.root) throw new FerryError(ErrorCode.Forbidden, `the local folder itself cannot be ${what}`);
    return abs;
  }

  async mkdir(path: string, options: MkdirOptions = {}): Promise<MkdirResult> {
    const abs = this.below(path, 'made again');
    try {
      if (options.parents) {
        const st = await fs.stat(abs).catch(() => undefined);
        if (st?.isDirectory()) return { path, created: false };
        await fs.mkdir(abs, { recursive: true });
      } else {
        await fs.mkdir(abs);
      }
      return { path, created: true };
    } catch (err) {
      throw coded(err, path);
    }
  }

  async move(from: string, to: string, options: MoveOptions = {}): Promise<MoveResult> {
    const src = this.below(from, 'moved');
    const dst = this.below(to, 'replaced');
    if (src === dst) return { from, to, moved: false };
    if (dst.startsWith(`${src}/`)) throw new FerryError(ErrorCode.BadRequest, `'${from}' cannot be moved into itself`);
    try {
      const st = await fs.lstat(src);
      const existing = await fs.lstat(dst).catch(() => undefined);
      if (existing) {
        if (!options.overwrite) throw new FerryError(ErrorCode.Exists, `'${to}' already exists`);
        if (!existing.isFile() || !st.isFile()) throw new FerryError(ErrorCode.Exists, `'${to}' already exists; only a file replaces a file`);
      }
      try {
        await fs.rename(src, dst);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
        // Another file system: copy, then remove the original once the copy is whole.
        await fs.cp(src, dst, { recursive: true, force: options.overwrite === true, errorOnExist: true, preserveTimestamps: true });
        await fs.rm(src, { recursive: true });
      }
      return { from, to, moved: true };
    } catch (err) {
      throw coded(err, (err as NodeJS.ErrnoException).code === 'ENOENT' ? from : to);
    }
  }

  async remove(path: string, options: RemoveOptions = {}): Promise<RemoveResult> {
    const abs = this.below(path, 'removed');
    try {
      const st = await fs.lstat(abs);
      if (!st.isDirectory()) {
        await fs.unlink(abs);
        return { path, removed: 1 };
      }
      if (!options.recursive) {
        await fs.rmdir(abs);
        return { path, removed: 1 };
      }
      const removed = await removeTree(abs, options);
      return { path, removed };
    } catch (err) {
      throw coded(err, path);
    }
  }

  /**
   * The original of a folder moved to the server, once all its files landed
   * verified: each file not changed since `sinceMs` (so what was sent is what
   * is here), then each folder left empty, deepest first. A file written
   * meanwhile, or one the upload does not send (ferry's own, a device), stays,
   * and so do the folders above it.
   */
  async removeMoved(path: string, sinceMs: number): Promise<{ removed: number; kept: number }> {
    const abs = this.below(path, 'removed');
    const count = { removed: 0, kept: 0 };
    const visit = async (dir: string): Promise<void> => {
      for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
        const p = `${dir}/${entry.name}`;
        if (entry.isDirectory()) {
          await visit(p);
          continue;
        }
        const st = await fs.lstat(p);
        if (isFerryOwn(entry.name) || !(st.isFile() || st.isSymbolicLink()) || st.ctimeMs >= sinceMs || st.mtimeMs >= sinceMs) {
          count.kept++;
          continue;
        }
        await fs.unlink(p);
        count.removed++;
      }
      try {
        await fs.rmdir(dir);
        count.removed++;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    };
    try {
      await visit(abs);
    } catch (err) {
      throw coded(err, path);
    }
    return count;
  }

  async copy(from: string, to: string, options: CopyOptions = {}): Promise<CopyResult> {
    const src = this.below(from, 'copied');
    const dst = this.below(to, 'replaced');
    if (dst === src || dst.startsWith(`${src}/`)) throw new FerryError(ErrorCode.BadRequest, `'${to}' is inside what is being copied`);
    try {
      const st = await fs.stat(src);
      const existing = await fs.lstat(dst).catch(() => undefined);
      if (existing && (!options.overwrite || !st.isFile() || !existing.isFile())) throw new FerryError(ErrorCode.Exists, `'${to}' already exists`);
      if (st.isFile()) {
        // A temp name beside the target, renamed into place: the copy appears whole or not at all.
        const temp = `${dirname(dst)}/.${Date.now().toString(36)}.${process.pid}.ferry-tmp`;
        try {
          await fs.copyFile(src, temp, constants.COPYFILE_FICLONE);
          await fs.utimes(temp, new Date(), st.mtime);
          await fs.rename(temp, dst);
        } finally {
          await fs.rm(temp, { force: true });
        }
        return { from, to, files: 1, folders: 0, bytes: st.size, skipped: 0 };
      }
      const count = { files: 0, folders: 0, bytes: 0, skipped: 0 };
      await fs.cp(src, dst, {
        recursive: true,
        errorOnExist: true,
        force: false,
        preserveTimestamps: true,
        verbatimSymlinks: true,
        filter: async (source) => {
          const s = await fs.lstat(source);
          if (s.isSymbolicLink() || !(s.isFile() || s.isDirectory())) {
            count.skipped++;
            return false;
          }
          if (source === src) return true;
          if (s.isDirectory()) count.folders++;
          else {
            count.files++;
            count.bytes += s.size;
          }
          options.onProgress?.({ entries: count.files + count.folders, bytes: count.bytes });
          return true;
        },
      });
      return { from, to, ...count };
    } catch (err) {
      throw coded(err, to);
    }
  }
}

/** Remove a folder and what it holds, counting entries (the folder too). */
async function removeTree(abs: string, options: RemoveOptions): Promise<number> {
  let removed = 0;
  const visit = async (dir: string): Promise<void> => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      options.signal?.throwIfAborted();
      const p = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        await visit(p); // counts the folder itself
        continue;
      }
      await fs.unlink(p);
      if (++removed % 256 === 0) options.onProgress?.(removed);
    }
    await fs.rmdir(dir);
    removed++;
  };
  await visit(abs);
  options.onProgress?.(removed);
  return removed;
}
