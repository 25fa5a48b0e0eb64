// Default locations for the server's own files. They live in per-user state
// folders, normally outside the shared folder; when a share contains them
// (`ferry serve ~`), ferryStateLocations tells the store what to keep out.

import { createHash } from 'node:crypto';
import path from 'node:path';
import envPaths from 'env-paths';
import { defaultKnownServersFile } from '../transport/known-servers.js';
import { defaultIdentityDir, IDENTITY_FILE } from '../transport/tls.js';
import type { StateLocations } from './private-state.js';

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

/**
 * Every place ferry keeps its own state on this machine, for the server to keep
 * out of a share (see private-state.ts): the per-user data folder (TLS identity,
 * known servers, sample share), config, cache (hash indexes and the client's
 * download cache) and state (logs) folders, plus the files this server uses.
 */
export function ferryStateLocations(actual: { logFile: string; hashIndexFile?: string | null; tlsDir?: string; root: string }): StateLocations {
  const d = dirs();
  const identityDirs = [defaultIdentityDir(), ...(actual.tlsDir ? [actual.tlsDir] : [])];
  return {
    folders: [d.data, d.config, d.cache, d.log, defaultIdentityDir(), ...(actual.tlsDir ? [actual.tlsDir] : [])],
    files: [
      ...identityDirs.map((dir) => path.join(dir, IDENTITY_FILE)),
      defaultKnownServersFile(),
      defaultLogFile(),
      actual.logFile,
      defaultHashIndexFile(actual.root),
      ...(actual.hashIndexFile ? [actual.hashIndexFile] : []),
    ],
  };
}
