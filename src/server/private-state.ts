// ferry's own state must never be served, wherever it lies. Sharing the home
// folder (`ferry serve ~`) is legitimate, and ferry keeps its TLS private key,
// known servers, hash index, command log, download cache and config under
// it; so rather than refuse to start, the server excludes them: ShareStore asks
// isPrivate() about every entry it resolves or lists, and an excluded entry is
// NOT_FOUND for every op and never listed, walked, hashed or searched.
//
// What is excluded, decided once at start from real paths (so a --log reached
// through a symlinked folder is caught):
// - ferry's state FOLDERS that lie strictly inside the share: the whole subtree.
//   Only strictly inside: the sample share lives in ferry's data folder, and a
//   share inside a state folder is not state inside the share.
// - ferry's state FILES inside the share (also when the share IS a state
//   folder), with their siblings `FILE.*`: rotated logs (LOG.1, LOG.2…) and
//   atomic-write temps (`tls-identity.pem.<id>.tmp`).
// - the same files by identity (device + inode), wherever a path to them
//   appears: a hard link in the share is the file itself. Files get replaced
//   (rotation, atomic rewrites), so identities are re-read at most once a second.

import { realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';

export interface StateLocations {
  /** Folders holding only ferry's state. */
  folders: string[];
  /** Files of ferry's state (they may not exist yet). */
  files: string[];
}

/** Rotated siblings (FILE.1, FILE.2, …) looked at for identities, at most. */
const MAX_ROTATED = 32;
const IDENTITY_REFRESH_MS = 1000;

/** The real path `p` has or would have: the nearest existing ancestor resolved, the rest appended. */
function realOrPlanned(p: string): string {
  const abs = path.resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(realOrPlanned(parent), path.basename(abs));
  }
}

const strictlyInside = (real: string, root: string) => real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

export class PrivateState {
  private identities = new Set<string>();
  private identitiesAt = -Infinity;

  private constructor(
    /** Real paths of state folders strictly inside the share. */
    private readonly folders: string[],
    /** Real paths of state files inside the share (matched with their `.*` siblings). */
    private readonly filesInside: string[],
    /** Real paths of every state file, for identities. */
    private readonly files: string[],
  ) {}

  /** Locate ferry's state relative to a share's real root. */
  static locate(root: string, where: StateLocations): PrivateState {
    const folders = [...new Set(where.folders.map(realOrPlanned))].filter((f) => strictlyInside(f, root));
    const files = [...new Set(where.files.map(realOrPlanned))];
    return new PrivateState(
      folders,
      files.filter((f) => strictlyInside(f, root)),
      files,
    );
  }

  /** Is the entry at real path `real` (with this stat, if known) ferry's own state? */
  covers(real: string, stat?: Pick<Stats, 'dev' | 'ino' | 'isFile'>): boolean {
    for (const f of this.folders) if (real === f || real.startsWith(f + path.sep)) return true;
    for (const f of this.filesInside) if (real === f || real.startsWith(f + '.')) return true;
    return stat !== undefined && stat.isFile() && this.currentIdentities().has(`${stat.dev}:${stat.ino}`);
  }

  /**
   * Does the folder at real path `dir` hold any of ferry's state below it? A
   * move or a recursive remove of such a folder would take the state along.
   */
  within(dir: string): boolean {
    const prefix = dir.endsWith(path.sep) ? dir : dir + path.sep;
    return [...this.folders, ...this.filesInside].some((f) => f.startsWith(prefix));
  }

  private currentIdentities(): Set<string> {
    const now = Date.now();
    if (now - this.identitiesAt < IDENTITY_REFRESH_MS) return this.identities;
    const ids = new Set<string>();
    const add = (file: string): boolean => {
      try {
        const s = statSync(file);
        if (s.isFile()) ids.add(`${s.dev}:${s.ino}`);
        return true;
      } catch {
        return false;
      }
    };
    for (const f of this.files) {
      add(f);
      for (let n = 1; n <= MAX_ROTATED && add(`${f}.${n}`); n++);
    }
    this.identities = ids;
    this.identitiesAt = now;
    return ids;
  }
}
