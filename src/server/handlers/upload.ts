import { createHash } from 'node:crypto';
import { open, link, rename, unlink } from 'node:fs/promises';
import { ErrorCode, FerryError } from '../../protocol/errors.js';
import type { UploadRequest } from '../../protocol/messages.js';
import type { Handler } from '../context.js';
import { makeParents } from '../store-writes.js';

/**
 * Receive a file into a temp name beside its target, hashing as bytes arrive;
 * only a complete file with the announced size and MD5 is moved into place.
 * Anything else (a short stream, a mismatch, a dropped connection) leaves no
 * trace in the share. Every name is reached through the held parent folder
 * (ShareStore.withParent), so swapping that folder for a symlink while the
 * upload runs cannot move the write outside the share.
 */
export const upload: Handler<UploadRequest> = async (ctx) => {
  const { store, hashes, counters } = ctx.services;
  const { request } = ctx;
  // The session refuses writes on a read-only server before they start; this is the second lock.
  if (!ctx.services.allowWrite) throw new FerryError(ErrorCode.ReadOnly, 'this server is read-only (start it with --allow-write to allow changes)');
  if (request.parents) await makeParents(store, request.path);
  return store.withParent(request.path, async (parent) => {
    const { target, temp } = await store.prepareWrite(parent, request.overwrite ?? false);
    const handle = await open(temp, 'wx', 0o644);
    let closed = false;
    let moved = false;
    try {
      await ctx.item({ ready: true });
      const md5 = createHash('md5');
      let received = 0;
      for await (const chunk of ctx.incoming()) {
        received += chunk.length;
        if (received > request.size) throw new FerryError(ErrorCode.BadRequest, `upload is longer than the announced ${request.size} bytes`);
        md5.update(chunk);
        await handle.write(chunk, 0, chunk.length, received - chunk.length);
        ctx.countBytes(chunk.length);
      }
      if (received !== request.size) throw new FerryError(ErrorCode.BadRequest, `upload ended after ${received} of ${request.size} bytes`);
      const digest = md5.digest('hex');
      if (digest !== request.md5) throw new FerryError(ErrorCode.ChecksumMismatch, `upload MD5 ${digest} does not match the announced ${request.md5}`);
      if (request.mtimeMs !== undefined) await handle.utimes(new Date(), new Date(request.mtimeMs));
      await handle.sync();
      // The identity the index remembers is the open file's: the same inode the rename moves.
      const stat = await handle.stat();
      closed = true;
      await handle.close();
      if (request.overwrite) {
        await rename(temp, target);
      } else {
        // link() fails if the name appeared meanwhile, so a racing writer is never clobbered.
        try {
          await link(temp, target);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new FerryError(ErrorCode.Exists, `${parent.rel} already exists on the server`);
          throw err;
        }
        await unlink(temp);
      }
      moved = true;
      hashes.remember(stat, digest);
      counters.uploads++;
      return { path: parent.rel, bytes: received, md5: digest };
    } finally {
      if (!moved) {
        if (!closed) await handle.close().catch(() => {});
        await unlink(temp).catch(() => {});
      }
    }
  });
};
