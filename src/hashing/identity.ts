// A file's identity as both hash indexes (the server's, src/server/hash-index.ts,
// and the client's, src/client/local-index.ts) key it: (dev, ino) names the
// file, (size, mtimeMs) its version. While all four are unchanged the hashes
// remembered for it still hold, so an unchanged file is never read twice.

import type { FileIdentity } from '../protocol/messages.js';

/** The file, whatever its version: the key an index remembers it under. */
export const keyOf = (s: { dev: number; ino: number }): string => `${s.dev}:${s.ino}`;

/** Whether two identities are the same version of the same file. */
export const sameVersion = (a: FileIdentity, b: FileIdentity): boolean => a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;

/** The identity in a stat result (which carries much more). */
export const identityOf = (s: FileIdentity): FileIdentity => ({ dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs });
