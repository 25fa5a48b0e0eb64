// What the download cache shows of itself: the CLI's `ferry cache` and the
// TUI's cache view read these through the client API.

export interface CacheEntryInfo {
  blake3: string; // the content's BLAKE3 root (protocol/chunk-hash.ts): the cache's key
  md5: string; // the content's MD5, what users see and may type to remove it
  size: number;
  remotePath: string; // where it last came from
  server: string; // host:port it came from
  lastAccess: string; // ISO 8601
  hits: number;
  added: string; // ISO 8601
}

export interface CacheStats {
  dir: string;
  entries: number;
  bytes: number;
  limit: number;
  hits: number; // lifetime counters, kept in the index
  misses: number;
}

/** The client-side download cache, as the CLI and TUI see it. */
export interface CacheApi {
  list(): Promise<CacheEntryInfo[]>;
  stats(): Promise<CacheStats>;
  clear(): Promise<void>;
  /** Remove entries by BLAKE3 root, MD5 or remote path; returns how many went. */
  remove(keyOrRemotePath: string): Promise<number>;
}

/** What admit needs to know about a file: its claimed content and where it came from. */
export interface AdmitInfo {
  /** The BLAKE3 root the file must have (checked: admit hashes the file). */
  blake3: string;
  /** The server's MD5 of it, kept for the user. */
  md5: string;
  size: number;
  remotePath: string;
  server: string;
}

export interface MaterializeOptions {
  /** Count this as a hit (default true); the copy right after a download is not one. */
  countHit?: boolean;
  /** Replace a file at the destination (default false: fail with EXISTS and keep it). */
  overwrite?: boolean;
  /** The modification time the file has when it appears (so whoever watches the folder never sees it with another). */
  mtimeMs?: number;
}
