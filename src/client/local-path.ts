// Names that come from a server are untrusted: they are confined to the
// destination folder here before anything is written, and the client never
// joins a server-supplied name into a local path anywhere else.

import { isAbsolute, join, relative, resolve } from 'node:path';
import { ErrorCode, FerryError } from '../protocol/errors.js';

/** Resolve a '/'-separated relative path from a server under `root`, refusing any escape. */
export function confineLocal(root: string, remoteRel: string): string {
  const parts = remoteRel.split('/').filter((p) => p !== '' && p !== '.');
  for (const p of parts) {
    // eslint-disable-next-line no-control-regex
    if (p === '..' || p.includes('\\') || p.includes('\0') || /[\x00-\x1f\x7f]/.test(p)) {
      throw new FerryError(ErrorCode.OutsideShare, `refusing the server-supplied name ${JSON.stringify(remoteRel)}`);
    }
  }
  if (parts.length === 0) throw new FerryError(ErrorCode.BadRequest, `empty file name from the server`);
  const abs = resolve(root, join(...parts));
  const rel = relative(resolve(root), abs);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new FerryError(ErrorCode.OutsideShare, `refusing the server-supplied name ${JSON.stringify(remoteRel)}`);
  }
  return abs;
}

/** Where an interrupted download waits to be resumed when it is not in the cache. */
export function partPathsBeside(destAbs: string): { part: string; sidecar: string } {
  const slash = destAbs.lastIndexOf('/');
  const dir = destAbs.slice(0, slash + 1);
  const name = destAbs.slice(slash + 1);
  return { part: `${dir}.${name}.ferry-part`, sidecar: `${dir}.${name}.ferry-part.json` };
}
