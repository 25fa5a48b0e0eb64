// Options of DownloadCache.open, including the hooks the crash tests use.

/** Points where tests stop an operation to leave the disk as a kill -9 would. */
export type CrashPoint =
  | 'index:temp-written'
  | 'journal:half-written'
  | 'admit:intent-written'
  | 'admit:content-placed'
  | 'admit:index-written'
  | 'materialize:pinned'
  | 'remove:index-written';

export interface CacheHooks {
  /** Pid written into lock and temp names (tests use a dead one to fake a crash). */
  pid?: number;
  /** Awaited at each CrashPoint; a promise that never settles freezes the operation there. */
  at?: (point: CrashPoint) => Promise<void> | void;
  /** Compact the index once its journal holds this many change lines (0: at every change). */
  compactAfter?: number;
}

export interface CacheOpenOptions {
  /** Cache folder (default: defaultCacheDir()). */
  dir?: string;
  /** Size limit in bytes (default: DEFAULT_CACHE_LIMIT). */
  limit?: number;
  /** How long to wait for another process's lock before failing with TIMEOUT. */
  lockTimeoutMs?: number;
  /** For tests only. */
  hooks?: CacheHooks;
}

/** Remote paths compare without a leading '/' or './'. */
export function normalizeRemote(p: string): string {
  return p.replace(/^(\.?\/)+/, '');
}
