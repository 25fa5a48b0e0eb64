import { createHash } from 'node:crypto';
import { open, link, rename, stat as statPath, unlink, utimes } from 'node:fs/promises';
import { ErrorCode, FerryError } from '../../protocol/errors.js';
import type { UploadRequest } from '../../protocol/messages.js';
import type { Handler } from '../context.js';

/**
 * Receive a file into a temp name beside its target, hashing as bytes arrive;
 * only a complete file with the announced size and MD5 is moved into place.
 * Anything else (a short stream, a mismatch, a dropped connection) leaves no
 * trace in the share.
 */
export const upload: Handler<UploadRequest> = async (ctx) => {
  const { store, hashes, counters } = ctx.services;
  const { request } = ctx;
  if (!ctx.services.allowUpload) {
    throw new FerryError(ErrorCode.Forbidden, 'this server is read-only (start it with --allow-upload to accept uploads)');
  }
  const target = await store.prepareWrite(request.path, request.overwrite ?? false);
  const handle = await open(target.tempAbs, 'wx', 0o644);
  let moved = false;
  try {
    ctx.item({ ready: true });
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
    await handle.sync();
    await handle.close();
    if (request.mtimeMs !== undefined) await utimes(target.tempAbs, new Date(), new Date(request.mtimeMs));
    if (request.overwrite) {
      await rename(target.tempAbs, target.abs);
    } else {
      // link() fails if the name appeared meanwhile, so a racing writer is never clobbered.
      try {
        await link(target.tempAbs, target.abs);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new FerryError(ErrorCode.Exists, `${target.rel} already exists on the server`);
        throw err;
      }
      await unlink(target.tempAbs);
    }
    moved = true;
    hashes.remember(await statPath(target.abs), digest);
    counters.uploads++;
    return { path: target.rel, bytes: received, md5: digest };
  } finally {
    if (!moved) {
      await handle.close().catch(() => {});
      await unlink(target.tempAbs).catch(() => {});
    }
  }
};
