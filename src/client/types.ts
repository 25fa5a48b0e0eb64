// The client API: the only surface the CLI and the TUI use. FerryClient
// implements FerryApi over the wire; tests of the TUI use a fake.

import type { BrokenLink, EntryType, FileIdentity, LogRecord, WatchEvent, WatchKind } from '../protocol/messages.js';
import type { FailureReason } from './failure.js';
import type { ListFlow } from './list-flow.js';

export type { BrokenLink, EntryType, FileIdentity, LogRecord, WatchEvent, WatchKind };

/** One row of a listing, local or remote. */
export interface Entry {
  path: string; // relative to the side's root, '/'-separated
  name: string;
  ext: string; // '.txt', lower-case; '' when none or for folders
  size: number;
  mtimeMs: number;
  mtime: string; // ISO 8601
  type: EntryType;
  /** A file's BLAKE3 root (chunk-hash.ts), in a listing that asked for it. */
  blake3?: string;
  /** Why a listing that asked for hashes has none for this file (an error code). */
  hashError?: string;
  /** type 'link': a symlink that is not followed, and why (its target is missing, or outside the share). */
  link?: BrokenLink;
  /** type 'link': where it points, when that may be shown. */
  target?: string;
}

export interface ListOptions {
  path?: string;
  recursive?: boolean;
  /** Names holding this text; smart case (protocol/filter.ts). */
  name?: string;
  ext?: string;
  keyword?: string;
  /** Modified strictly after / strictly before (ms since the epoch). */
  after?: number;
  before?: number;
  hidden?: boolean;
  /** Each file's BLAKE3 root too (the server hashes files its index does not know yet). */
  blake3?: boolean;
}

/** Where a listing's batches go as they come, and how to stop it. */
export interface ListStream {
  onBatch: (entries: Entry[]) => void;
  /** Aborting stops the walk (on the server too) and rejects with CANCELLED, or, locally, ends it quietly. */
  signal?: AbortSignal;
  /**
   * For a consumer slower than the walk (list-flow.ts): a remote listing is
   * then read on a connection of its own, which the consumer's flow pauses
   * while it holds enough. A local listing ignores it.
   */
  flow?: ListFlow;
}

export interface HashResult {
  path: string;
  md5: string;
  /** The BLAKE3 root (chunk-hash.ts), when asked for. */
  blake3?: string;
  size: number;
  mtimeMs: number;
  mtime: string;
  /** hashAll only: the server listed the file but could not hash it (md5 is ''). */
  error?: { reason: FailureReason; message: string };
}

export interface RemoteStat extends Entry {
  identity: FileIdentity;
  md5?: string;
  blake3?: string;
}

export interface HashAllOptions {
  path?: string;
  rehash?: boolean;
  /** Also give each file's BLAKE3 root. */
  blake3?: boolean;
  /** Called once, before any result, with what is about to be hashed. */
  onStart?: (plan: { files: number; bytes: number }) => void;
  onResult?: (result: HashResult) => void;
  signal?: AbortSignal;
}

export type Transport = 'tcp' | 'udp';
export type CacheOutcome = 'hit' | 'miss' | 'bypass';

export interface TransferProgress {
  path: string;
  transport: Transport;
  bytes: number; // done so far (including any resumed prefix)
  total: number;
  rate: number; // bytes per second, smoothed
  etaSeconds: number | null;
}

export type ExistingPolicy = 'fail' | 'overwrite' | 'skip' | 'newer' | 'keep-both';

export interface DownloadOptions {
  /** Folder the file appears in (default: current directory). */
  dest?: string;
  transport?: Transport;
  /** Same as `existing: 'overwrite'`. */
  overwrite?: boolean;
  /**
   * When the destination exists and differs (identical content is always left
   * as it is): fail (the default), overwrite it, skip it, overwrite only if the
   * server's file is newer, or keep both (the download gets a free name,
   * 'name (1).ext').
   */
  existing?: ExistingPolicy;
  recursive?: boolean;
  /** With recursive: files transferred at once (default 4). */
  transfers?: number;
  /**
   * With recursive: make the tree's folders (empty ones too) and give them the
   * server's times, and fetch no file: for a caller that queued the files itself
   * and finishes the folders once they have arrived.
   */
  foldersOnly?: boolean;
  /**
   * With recursive: keep one result per file in the tree's result (`files`;
   * the default). False keeps counts only, for trees of any size; `onFile`
   * still sees every file.
   */
  keepFiles?: boolean;
  /** With recursive: called with each file's result as it lands. */
  onFile?: (r: DownloadResult) => void;
  /** Skip the cache entirely. */
  noCache?: boolean;
  /**
   * UDP only: bytes of file data per datagram, instead of the server's choice
   * (about 60 KB on loopback, 1,400 B elsewhere). A resumed download keeps the
   * size it started with.
   */
  chunkSize?: number;
  /** Also compute the MD5 of what arrived, here, and compare it with the server's (BLAKE3 checks every chunk regardless). */
  md5?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: TransferProgress) => void;
}

export interface UdpStats {
  datagramsSent: number;
  datagramsRetransmitted: number;
  lossPercent: number;
  /** Size of a full DATA datagram as sent: chunk, header and (over TLS) MAC. */
  datagramBytes: number;
}

export interface DownloadResult {
  path: string; // remote path
  dest: string; // absolute local path
  bytes: number; // size of what arrived at the destination
  /** Bytes that crossed the network for this download (0 on a cache hit). */
  transferred: number;
  /** The server's MD5 of the file whose bytes were checked (or, with the md5 option, computed here too). */
  md5: string;
  /** The file at `dest` is the server's, checked; false only for a skipped file (or a tree with one). */
  verified: boolean;
  /** How it was checked: every chunk against the server's BLAKE3 chunk list (and the MD5 here too with the md5 option). */
  check?: 'blake3' | 'blake3+md5';
  /** The BLAKE3 root of the file (chunk-hash.ts). */
  blake3?: string;
  transport: Transport;
  cache: CacheOutcome;
  seconds: number;
  mtime: string;
  /** Bytes that were already present from an interrupted earlier attempt. */
  resumedFrom?: number;
  /** Set when a resume was impossible because the server's file changed. */
  restarted?: boolean;
  /** The destination already held identical bytes; nothing was written. */
  identical?: boolean;
  /** The destination existed and differed, and was left as it was: `exists` (skip), `newer-here` (newer only). */
  skipped?: 'exists' | 'newer-here';
  udp?: UdpStats;
  /** Chunks that failed their check on the way and were fetched again. */
  refetchedChunks?: number;
  /** A recursive download: one result per file (unless keepFiles was false). */
  files?: DownloadResult[];
  /** A recursive download: how its files went. */
  counts?: TreeCounts;
}

export interface TreeCounts {
  /** Files settled: fetched, identical or skipped. */
  files: number;
  fetched: number;
  /** Already here with the same content. */
  identical: number;
  /** Here and different, left as they were (--skip-existing, --update). */
  skipped: number;
  failed: number;
}

export interface UploadOptions {
  /** Remote path (default: the local file's name at the share's root). */
  as?: string;
  overwrite?: boolean;
  /** Create the remote folders above `as` that do not exist yet. */
  parents?: boolean;
  /** Upload a local folder and everything in it (folders are created as needed). */
  recursive?: boolean;
  /** With recursive: files sent at once (default 4). */
  transfers?: number;
  signal?: AbortSignal;
  onProgress?: (p: TransferProgress) => void;
}

export interface UploadResult {
  path: string;
  bytes: number;
  /** The file's MD5 ('' for a folder). */
  md5: string;
  verified: true;
  seconds: number;
  /** A folder uploaded with recursive: one result per file. */
  files?: UploadResult[];
}

export interface ReadOptions {
  /** First byte (default 0). */
  offset?: number;
  /** Bytes wanted, at most READ_MAX_BYTES (default: that much). */
  count?: number;
  signal?: AbortSignal;
}

/** A byte range of a file as it is now: fewer bytes than asked at its end, none past it. */
export interface ReadResult {
  offset: number;
  bytes: Buffer;
  /** The file's size now (it may have grown or shrunk since it was listed). */
  size: number;
  mtimeMs: number;
}

export interface LogsOptions {
  limit?: number;
}

export interface FollowLogsOptions extends LogsOptions {
  onRecord: (record: LogRecord) => void;
  /** Called once the server is sending new records as they happen. */
  onLive?: () => void;
  signal?: AbortSignal;
}

export interface WatchOptions {
  /** Also report what changes in the folders below (default: the folder's own entries only). */
  recursive?: boolean;
  /**
   * Changes, a batch at a time, paths relative to the share. A `rescan` event
   * (its path is the watched folder) means changes were missed: list the
   * folder again. One comes after every reconnection, too.
   */
  onEvents: (events: WatchEvent[]) => void;
  /** Called each time the server is watching (first, and again after a reconnection): list after this, and nothing falls between. */
  onReady?: () => void;
  /** Stops watching; `watch` then resolves. */
  signal?: AbortSignal;
}

export interface ServerInfo {
  address: string; // host:port
  server: string; // 'ferry/0.1.0'
  share: string;
  features: string[];
  version: number;
}

// ---- file operations (mkdir, move, remove, copy), on either side ---------

/**
 * Why a file operation failed: the `code` of the FerryError it throws, the
 * same for the share (the server's code) and the local folder (local-ops.ts),
 * so a caller switches on it instead of reading messages.
 */
export type FileOpReason =
  | 'READ_ONLY' // the server does not allow writing (--allow-write)
  | 'EXISTS' // the target name is taken (ask with overwrite, for a file)
  | 'NOT_FOUND'
  | 'NOT_EMPTY' // a folder to remove holds entries (ask with recursive)
  | 'NOT_A_DIRECTORY'
  | 'NOT_A_FILE'
  | 'OUTSIDE_SHARE' // the path leads outside the share or the local folder
  | 'FORBIDDEN' // the root itself, ferry's own state, or the file system refused
  | 'TOO_LARGE' // a folder copy past the server's bound, or nested too deep
  | 'BAD_REQUEST' // e.g. a folder moved into itself, or across file systems
  | 'NO_SPACE'
  | 'CHANGED'
  | 'CONNECTION_LOST'
  | 'CANCELLED';

export interface MkdirOptions {
  /** Also make the missing folders above it; an existing folder is then fine. */
  parents?: boolean;
}

export interface MkdirResult {
  path: string;
  /** False when the folder was there already (with parents). */
  created: boolean;
}

export interface MoveOptions {
  /** Replace an existing regular file at the target (folders are never replaced). */
  overwrite?: boolean;
}

export interface MoveResult {
  from: string;
  to: string;
  /** False when source and target are the same. */
  moved: boolean;
}

export interface RemoveOptions {
  /** A folder and everything in it. */
  recursive?: boolean;
  /** Entries removed so far, during a long recursive remove. */
  onProgress?: (removed: number) => void;
  signal?: AbortSignal;
}

export interface RemoveResult {
  path: string;
  /** Entries removed (files, links and folders, the folder itself included). */
  removed: number;
}

export interface CopyOptions {
  /** Replace an existing regular file at the target (folders are never replaced). */
  overwrite?: boolean;
  /** Entries and bytes copied so far, during a folder copy. */
  onProgress?: (p: { entries: number; bytes: number }) => void;
  signal?: AbortSignal;
}

export interface CopyResult {
  from: string;
  to: string;
  files: number;
  folders: number;
  bytes: number;
  /** Links and other non-regular entries left out of a folder copy. */
  skipped: number;
}

/** The four operations, on a share (FerryApi) or a local folder (LocalOps): paths relative to the side's root. */
export interface FileOps {
  /** Changes are allowed (a read-only server: false, re-read on every reconnect). */
  readonly writable: boolean;
  mkdir(path: string, options?: MkdirOptions): Promise<MkdirResult>;
  move(from: string, to: string, options?: MoveOptions): Promise<MoveResult>;
  remove(path: string, options?: RemoveOptions): Promise<RemoveResult>;
  copy(from: string, to: string, options?: CopyOptions): Promise<CopyResult>;
}

/** What a remote share offers. */
export interface FerryApi {
  readonly info: ServerInfo;
  /** The server allows changes (its 'write' feature), as of the connection in use now. */
  readonly writable: boolean;
  list(options?: ListOptions): Promise<Entry[]>;
  /**
   * A listing batch by batch as the server walks it (directory order, nothing
   * kept by the client): for walking a huge folder with flat memory. Aborting
   * `signal` stops the walk on the server too. Resolves with the entry count.
   */
  listStream(options: ListOptions, stream: ListStream): Promise<number>;
  stat(path: string, options?: { md5?: boolean }): Promise<RemoteStat>;
  hash(path: string, options?: { rehash?: boolean }): Promise<HashResult>;
  hashAll(options?: HashAllOptions): Promise<HashResult[]>;
  download(path: string, options?: DownloadOptions): Promise<DownloadResult>;
  upload(localPath: string, options?: UploadOptions): Promise<UploadResult>;
  /** A byte range of a file (for viewing): only those bytes are read, nothing is hashed. */
  read(path: string, options?: ReadOptions): Promise<ReadResult>;
  /** Make a folder in the share (needs a server started with --allow-write). */
  mkdir(path: string, options?: MkdirOptions): Promise<MkdirResult>;
  /** Rename or move within the share, atomically. */
  move(from: string, to: string, options?: MoveOptions): Promise<MoveResult>;
  /** Remove a file or folder; a big recursive remove takes several requests, made here. */
  remove(path: string, options?: RemoveOptions): Promise<RemoveResult>;
  /** Copy within the share, on the server; the copy appears only once complete. */
  copy(from: string, to: string, options?: CopyOptions): Promise<CopyResult>;
  logs(options?: LogsOptions): Promise<LogRecord[]>;
  /** Streams new log records until the signal aborts or the connection ends. */
  followLogs(options: FollowLogsOptions): Promise<void>;
  /**
   * Follow a folder of the share until `signal` aborts (then resolves), across
   * reconnections. Rejects when the folder is not there (or goes away), or the
   * server refuses (its watch limits, or no 'watch' feature).
   */
  watch(path: string, options: WatchOptions): Promise<void>;
  /** Round-trip time in milliseconds. */
  ping(): Promise<number>;
  /** Connection state changes (the client reconnects by itself after a drop). */
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  close(): Promise<void>;
}

export interface ConnectionStatus {
  state: 'connected' | 'reconnecting' | 'closed';
  latencyMs?: number;
  error?: string;
}

/** A folder the user browses: the local disk or a remote share. Both panes use this. */
export interface Side {
  readonly kind: 'local' | 'remote';
  /** Display label: an absolute local path, or host:port for a share. */
  readonly label: string;
  list(options: ListOptions): Promise<Entry[]>;
  /** The same listing batch by batch as it is found, unsorted; resolves with the number of entries. */
  listStream(options: ListOptions, stream: ListStream): Promise<number>;
  /** A byte range of a file on this side (the viewer reads windows, never a whole file). */
  read(path: string, options?: ReadOptions): Promise<ReadResult>;
  /** Follow a folder (FerryApi.watch), where the side can; the remote one can. */
  watch?(path: string, options: WatchOptions): Promise<void>;
}

/** One file held in the local download cache. */
// The cache's own shapes live with the cache; the client API hands them on.
export type { CacheApi, CacheEntryInfo, CacheStats } from '../cache/types.js';
