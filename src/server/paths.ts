// Default locations for the server's own files. They live in per-user state
// folders, never inside the shared folder, so a client can neither read the
// command log nor poison the hash index through the share.

import { createHash } from 'node:crypto';
import path from 'node:path';
import envPaths from 'env-paths';

// suffix '' gives ~/.local/state/ferry rather than ferry-nodejs: ferry is the
// application here, not a library of some other Node program.
const dirs = () => envPaths('ferry', { suffix: '' });

/** Where `ferry serve` appends its JSON-lines command log unless told otherwise. */
export function defaultLogFile(): string {
  return path.join(dirs().log, 'server.log.jsonl');
}

/**
 * Where the hash index for one shared folder is kept. The index is rebuilt by
 * re-hashing if lost, which is exactly what the cache folder is meant for.
 * One file per share (keyed by a hash of its real path) so serving two folders
 * does not mix their identities.
 */
export function defaultHashIndexFile(root: string): string {
  const key = createHash('sha1').update(path.resolve(root)).digest('hex').slice(0, 16);
  return path.join(dirs().cache, `hash-index-${key}.json`);
}
