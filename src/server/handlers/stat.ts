import { extname } from 'node:path/posix';
import type { StatReply, StatRequest } from '../../protocol/messages.js';
import type { Handler } from '../context.js';

/** One file's metadata and identity, and its MD5 or BLAKE3 root when asked (from the hash index when current). */
export const stat: Handler<StatRequest> = async (ctx) => {
  const { store, hashes } = ctx.services;
  const { abs, rel, stat: st } = await store.resolve(ctx.request.path);
  const name = rel.split('/').pop() || '';
  const reply: StatReply = {
    path: rel,
    name,
    ext: st.isDirectory() ? '' : extname(name).toLowerCase(),
    size: st.isDirectory() ? 0 : st.size,
    mtimeMs: st.mtimeMs,
    type: st.isDirectory() ? 'dir' : 'file',
    identity: { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, dev: st.dev },
  };
  // The MD5 when asked for (a read if need be), or when already known (free).
  const md5 = st.isFile() ? (ctx.request.md5 ? await hashes.md5(abs, st) : hashes.knownMd5(st)) : undefined;
  if (md5 !== undefined) reply.md5 = md5;
  if (ctx.request.blake3 && st.isFile()) {
    const chunks = hashes.chunks(abs, st);
    // A client asks for the root before a download: the MD5 its REPLY will
    // carry starts now, beside the fast pass, not when the bytes start.
    if (md5 === undefined) hashes.md5(abs, st).catch(() => {});
    reply.blake3 = (await chunks).blake3;
  }
  return reply;
};
