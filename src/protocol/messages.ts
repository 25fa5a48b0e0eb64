// Message types carried in frame headers, and the validators that turn an
// untrusted JSON value into one of them. Validation happens here, at the
// boundary; handlers receive typed values only.

import { ErrorCode, FerryError } from './errors.js';
import { MAX_KEYWORD_BYTES, MAX_NAME_BYTES, MAX_PATH_BYTES } from './limits.js';
import { MAX_CHUNK_BYTES, MIN_CHUNK_BYTES } from './udp-packet.js';

/** Frame kinds: the u8 after the length prefix. */
export const Kind = {
  Hello: 1, // client → server, first frame: versions offered
  Welcome: 2, // server → client: version chosen, features
  Auth: 3, // either way: authentication exchange (see docs/protocol.md)
  Request: 16, // client → server: start request `id`
  Item: 17, // server → client: one streamed piece of a result
  Data: 18, // either way: raw bytes of a file stream
  End: 19, // client → server: the upload stream is complete
  Reply: 20, // server → client: final result; request `id` is finished
  Error: 21, // server → client: request failed; `id` is finished (0: connection-level)
  Cancel: 22, // client → server: abandon request `id`
  GoAway: 23, // server → client: shutting down, no new requests
  Ping: 24, // client → server
  Pong: 25, // server → client
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];
export const KIND_VALUES = new Set<number>(Object.values(Kind));

/** 'link': a symlink the server does not follow (see WireEntry.link). */
export type EntryType = 'file' | 'dir' | 'link';

/** Why a symlink is listed as itself: its target is missing, or outside the share. */
export type BrokenLink = 'dangling' | 'outside';

/** One listing row, as it travels on the wire. */
export interface WireEntry {
  path: string; // relative to the share, '/'-separated, no leading slash
  name: string;
  ext: string; // lower-case, with the dot ('.txt'); '' when none
  size: number; // bytes (0 for folders)
  mtimeMs: number;
  type: EntryType;
  /** A file's BLAKE3 root, in a listing that asked for it (ListRequest.blake3). */
  blake3?: string;
  /** Instead of `blake3`, when the file could not be hashed: an error code (FORBIDDEN, CHANGED, ...). */
  hashError?: string;
  /** type 'link' only: why it is not followed. */
  link?: BrokenLink;
  /** type 'link' only: the link's text, when it names a place inside the share (never a path outside it). */
  target?: string;
}

export interface HashRecord {
  path: string;
  md5: string; // 32 lower-case hex digits ('' when `error` is set)
  blake3?: string; // 64 lower-case hex digits, when asked for
  size: number;
  mtimeMs: number;
  /** hashall only: the file was listed but could not be hashed (an error code, and why). */
  error?: string;
  message?: string;
}

/** What the server knows about one file, used to detect change between requests. */
export interface FileIdentity {
  size: number;
  mtimeMs: number;
  ino: number;
  dev: number;
}

export interface LogRecord {
  time: string; // ISO 8601
  client: string; // address:port
  command: string;
  args: Record<string, unknown>;
  outcome: string; // 'ok' or an error code
  bytes: number;
  ms: number;
  message?: string;
}

// ---- handshake ---------------------------------------------------------

export interface Hello {
  versions: number[];
  client: string;
  nonce?: string; // hex; used by token authentication
}

export interface Welcome {
  version: number;
  server: string;
  share: string; // display name of the shared folder
  features: string[]; // e.g. 'upload', 'udp'
  udpPort?: number;
  auth?: 'token' | 'none';
  nonce?: string;
}

// ---- requests -----------------------------------------------------------

export interface ListRequest {
  op: 'list';
  path?: string;
  recursive?: boolean;
  /** Keep entries whose name holds this (smart case, protocol/filter.ts); folders too unless another filter is set. */
  name?: string;
  ext?: string;
  keyword?: string;
  /** Keep entries modified strictly after `after` and strictly before `before` (ms). */
  after?: number;
  before?: number;
  hidden?: boolean;
  /**
   * Give each file's BLAKE3 root (chunk-hash.ts) from the hash index; files
   * not in it are read by the server's hash workers first. Lets a client
   * compare a whole tree with its own by content in one request.
   */
  blake3?: boolean;
}

export interface HashRequest {
  op: 'hash';
  path: string;
  rehash?: boolean;
  /** Also answer the BLAKE3 root (chunk-hash.ts). */
  blake3?: boolean;
}

export interface HashAllRequest {
  op: 'hashall';
  path?: string;
  rehash?: boolean;
  /** Also give each file's BLAKE3 root. */
  blake3?: boolean;
}

export interface StatRequest {
  op: 'stat';
  path: string;
  md5?: boolean;
  /** Also answer the BLAKE3 root (a file never hashed costs one fast BLAKE3 pass, not an MD5 one). */
  blake3?: boolean;
}

/** Most byte ranges one download request may ask for. */
export const MAX_RANGES = 1024;

export interface DownloadRequest {
  op: 'download';
  path: string;
  /** Send from this byte to the end (ignored when `ranges` is given). */
  offset?: number;
  /** Send these byte ranges ([start, end), ascending, not overlapping), one after another. */
  ranges?: [number, number][];
  /** If given, the server refuses with CHANGED unless the file still has this identity. */
  identity?: FileIdentity;
  /**
   * 'blake3': the client checks chunk hashes. The first ITEM then carries the
   * root and, as its payload, the chunk list; the MD5 may come only in the
   * REPLY (a file never hashed is not read for MD5 before sending).
   */
  check?: 'blake3';
  /** With check 'blake3': false leaves the chunk list out (the client has it from an earlier request). */
  list?: boolean;
}

/**
 * Open a UDP download session for a file. The server answers with an ITEM
 * naming the session (UdpStart); DATA and ACK then travel over UDP
 * (docs/protocol-udp.md), and this request ends with the sender's REPLY
 * once every chunk is acknowledged.
 */
export interface UdpRequest {
  op: 'udp';
  path: string;
  identity?: FileIdentity;
  /** Chunks below this one are already held by the client (a resume). */
  startChunk?: number;
  /** Datagram payload size the client asks for; the server may lower it. */
  chunkSize?: number;
  /** As for downloads: the UdpStart ITEM carries the root and the chunk list, the MD5 may wait for the REPLY. */
  check?: 'blake3';
}

export interface UdpStart {
  sessionId: string; // 16 hex digits
  port: number;
  chunkSize: number;
  startChunk: number;
  size: number;
  /** Absent only when the client asked for check 'blake3' and the MD5 is not known yet (then it is in the REPLY). */
  md5?: string;
  /** With check 'blake3': the root, and the size of the chunks in the list (the ITEM's payload). */
  blake3?: string;
  chunkBytes?: number;
  mtimeMs: number;
  identity: FileIdentity;
}

export interface UploadRequest {
  op: 'upload';
  path: string;
  size: number;
  md5: string;
  overwrite?: boolean;
  mtimeMs?: number;
  /** Create the folders above `path` that do not exist yet. */
  parents?: boolean;
}

/** Most bytes one `read` request may ask for: a viewer's window, never a whole large file. */
export const MAX_READ_BYTES = 1024 * 1024;

/**
 * Read a byte range of a file for viewing: one ITEM (ReadChunk) carries the
 * bytes as its payload, then REPLY. Nothing is hashed and only the range is
 * read, so a viewer can show either end of a huge file at once.
 */
export interface ReadRequest {
  op: 'read';
  path: string;
  offset: number;
  /** At most MAX_READ_BYTES; fewer come back at the end of the file. */
  count: number;
}

/** The ITEM of a read: where the bytes (its payload) start, and the file as it is now. */
export interface ReadChunk {
  offset: number;
  size: number;
  mtimeMs: number;
}

/** Most files one batch request may name. */
export const MAX_BATCH_FILES = 256;
/** Largest file a batch carries: one chunk (chunk-hash.ts), so its bytes and its check travel in one frame. */
export const MAX_BATCH_FILE_BYTES = 1024 * 1024;

/**
 * Many small files in one request. The server answers, in the order asked,
 * one ITEM per file: a BatchFile whose payload is the file's bytes, or a
 * BatchFailure (that file only; the batch goes on); then REPLY BatchEnd.
 */
export interface BatchRequest {
  op: 'batch';
  paths: string[];
}

/** One file of a batch: what it is and its hashes, computed over the very bytes in the payload. */
export interface BatchFile {
  /** Index of the path in the request. */
  i: number;
  size: number;
  mtimeMs: number;
  identity: FileIdentity;
  md5: string;
  /** The chunk-hash root (chunk-hash.ts) of the payload: one chunk, or none for an empty file. */
  blake3: string;
}

export interface BatchFailure {
  i: number;
  error: ErrorBody;
}

export interface BatchEnd {
  files: number;
  failed: number;
  bytes: number;
}

export interface LogsRequest {
  op: 'logs';
  limit?: number;
  follow?: boolean;
}

/**
 * Follow a folder: the server answers with an ITEM `{ready: true}` once it
 * watches, then ITEMs `{events: WatchEvent[]}` as the folder changes, until
 * the client cancels (or disconnects). See docs/protocol.md, "watch".
 */
export interface WatchRequest {
  op: 'watch';
  path?: string;
  /** Also what happens in the folders below (default: only the folder's own entries). */
  recursive?: boolean;
}

/**
 * What changed at `path` (relative to the share). `rescan`: changes were not
 * all seen (too many at once, a client that fell behind, a watcher that
 * failed); `path` is then the watched folder, to be listed again.
 */
export type WatchKind = 'added' | 'changed' | 'removed' | 'folder' | 'rescan';
export const WATCH_KINDS: ReadonlySet<string> = new Set<WatchKind>(['added', 'changed', 'removed', 'folder', 'rescan']);

export interface WatchEvent {
  path: string;
  kind: WatchKind;
  /** With `rescan`: why ('overflow', 'behind', 'failed', 'limit', 'reconnected'). */
  reason?: string;
}

/** Make a folder; with `parents`, also the missing folders above it (and an existing folder is fine). */
export interface MkdirRequest {
  op: 'mkdir';
  path: string;
  parents?: boolean;
}

/** Rename or move a file or folder within the share (one atomic rename). */
export interface MoveRequest {
  op: 'move';
  from: string;
  to: string;
  /** Replace an existing regular file at `to` (never a folder). */
  overwrite?: boolean;
}

/**
 * Remove a file, an empty folder, or with `recursive` a folder and what is in
 * it. A recursive remove does at most the server's `removeEntries` per request
 * and answers `more: true` when some is left: the client asks again.
 */
export interface RemoveRequest {
  op: 'remove';
  path: string;
  recursive?: boolean;
}

/** Copy a file or folder within the share: into a hidden temp name, then renamed into place. */
export interface CopyRequest {
  op: 'copy';
  from: string;
  to: string;
  /** Replace an existing regular file at `to` (folders are never replaced). */
  overwrite?: boolean;
}

export type Request =
  | ListRequest
  | HashRequest
  | HashAllRequest
  | StatRequest
  | DownloadRequest
  | UdpRequest
  | UploadRequest
  | LogsRequest
  | WatchRequest
  | MkdirRequest
  | MoveRequest
  | RemoveRequest
  | CopyRequest
  | BatchRequest
  | ReadRequest;
export type Op = Request['op'];
export const OPS: readonly Op[] = [
  'list',
  'hash',
  'hashall',
  'stat',
  'download',
  'udp',
  'upload',
  'logs',
  'watch',
  'mkdir',
  'move',
  'remove',
  'copy',
  'batch',
  'read',
];
/** Operations that change the share: refused with READ_ONLY unless the server allows writing. */
export const WRITE_OPS: ReadonlySet<Op> = new Set(['upload', 'mkdir', 'move', 'remove', 'copy']);

// ---- replies and items -------------------------------------------------

export interface StatReply extends WireEntry {
  identity: FileIdentity;
  md5?: string;
  blake3?: string;
}

/** First ITEM of a download: what is about to stream. */
export interface DownloadStart {
  size: number;
  offset: number;
  /** Absent only when the client asked for check 'blake3' and the MD5 is not known yet (then it is in the REPLY). */
  md5?: string;
  /** With check 'blake3': the root, and the size of the chunks in the list (the ITEM's payload). */
  blake3?: string;
  chunkBytes?: number;
  mtimeMs: number;
  identity: FileIdentity;
}

/** REPLY of a download or UDP session: bytes sent and, always, the MD5 of the file those bytes are from. */
export interface TransferEnd {
  bytes?: number;
  md5: string;
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

// ---- validation ----------------------------------------------------------

type Obj = Record<string, unknown>;

function bad(message: string): never {
  throw new FerryError(ErrorCode.BadRequest, message);
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Obj, key: string, required: boolean, maxBytes = MAX_PATH_BYTES): string | undefined {
  const v = o[key];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string') bad(`'${key}' must be a string`);
  if (Buffer.byteLength(v) > maxBytes) bad(`'${key}' is longer than ${maxBytes} bytes`);
  return v;
}

function num(o: Obj, key: string, required: boolean, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = o[key];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(`'${key}' must be a number`);
  if (v < min || v > max) bad(`'${key}' is out of range`);
  return v;
}

function bool(o: Obj, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') bad(`'${key}' must be true or false`);
  return v;
}

function identity(o: Obj, key: string): FileIdentity | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!isObj(v)) bad(`'${key}' must be an object`);
  return {
    size: num(v, 'size', true)!,
    mtimeMs: num(v, 'mtimeMs', true, -8.64e15, 8.64e15)!,
    ino: num(v, 'ino', true)!,
    dev: num(v, 'dev', true)!,
  };
}

function check(o: Obj): 'blake3' | undefined {
  const v = o.check;
  if (v === undefined || v === 'blake3') return v;
  return bad(`'check' must be 'blake3'`);
}

/** Byte ranges: at most MAX_RANGES [start, end) pairs, each non-empty, ascending and apart. */
function ranges(o: Obj, key: string): [number, number][] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length > MAX_RANGES) bad(`'${key}' must be an array of at most ${MAX_RANGES} [start, end] pairs`);
  let last = -1;
  return v.map((pair: unknown) => {
    if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((n) => Number.isSafeInteger(n) && n >= 0))
      bad(`'${key}' must hold [start, end] pairs of byte offsets`);
    const [start, end] = pair as [number, number];
    if (start >= end || start < last) bad(`'${key}' must be non-empty, ascending and not overlapping`);
    last = end;
    return [start, end];
  });
}

/** A batch's paths: 1 to MAX_BATCH_FILES strings, each within the path limit (the store confines each one). */
function paths(o: Obj): string[] {
  const v = o.paths;
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_BATCH_FILES) bad(`'paths' must be an array of 1 to ${MAX_BATCH_FILES} paths`);
  for (const p of v) {
    if (typeof p !== 'string') bad(`'paths' must hold strings`);
    if (Buffer.byteLength(p) > MAX_PATH_BYTES) bad(`a path in 'paths' is longer than ${MAX_PATH_BYTES} bytes`);
  }
  return v as string[];
}

/** Drop undefined fields so typed values compare and serialise cleanly. */
function clean<T extends object>(value: T): T {
  for (const k of Object.keys(value) as (keyof T)[]) if (value[k] === undefined) delete value[k];
  return value;
}

/** Validate a REQUEST header. Throws FerryError(BAD_REQUEST) with a specific message. */
export function parseRequest(header: unknown): Request {
  if (!isObj(header)) bad('request header must be an object');
  const op = header.op;
  const time = (k: string) => num(header, k, false, -8.64e15, 8.64e15);
  switch (op) {
    case 'list':
      return clean({
        op,
        path: str(header, 'path', false),
        recursive: bool(header, 'recursive'),
        name: str(header, 'name', false, MAX_NAME_BYTES),
        ext: str(header, 'ext', false, 64),
        keyword: str(header, 'keyword', false, MAX_KEYWORD_BYTES),
        after: time('after'),
        before: time('before'),
        hidden: bool(header, 'hidden'),
        blake3: bool(header, 'blake3'),
      });
    case 'hash':
      return clean({ op, path: str(header, 'path', true)!, rehash: bool(header, 'rehash'), blake3: bool(header, 'blake3') });
    case 'hashall':
      return clean({ op, path: str(header, 'path', false), rehash: bool(header, 'rehash'), blake3: bool(header, 'blake3') });
    case 'stat':
      return clean({ op, path: str(header, 'path', true)!, md5: bool(header, 'md5'), blake3: bool(header, 'blake3') });
    case 'download':
      return clean({
        op,
        path: str(header, 'path', true)!,
        offset: num(header, 'offset', false),
        ranges: ranges(header, 'ranges'),
        identity: identity(header, 'identity'),
        check: check(header),
        list: bool(header, 'list'),
      });
    case 'udp':
      return clean({
        op,
        path: str(header, 'path', true)!,
        identity: identity(header, 'identity'),
        startChunk: num(header, 'startChunk', false, 0, 2 ** 40),
        chunkSize: num(header, 'chunkSize', false, MIN_CHUNK_BYTES, MAX_CHUNK_BYTES),
        check: check(header),
      });
    case 'upload': {
      const md5 = str(header, 'md5', true, 32)!;
      if (!/^[0-9a-f]{32}$/.test(md5)) bad(`'md5' must be 32 lower-case hex digits`);
      return clean({
        op,
        path: str(header, 'path', true)!,
        size: num(header, 'size', true)!,
        md5,
        overwrite: bool(header, 'overwrite'),
        mtimeMs: time('mtimeMs'),
        parents: bool(header, 'parents'),
      });
    }
    case 'read': {
      const offset = num(header, 'offset', true)!;
      const count = num(header, 'count', true, 0, MAX_READ_BYTES)!;
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(count)) bad(`'offset' and 'count' must be whole numbers`);
      return { op, path: str(header, 'path', true)!, offset, count };
    }
    case 'batch':
      return { op, paths: paths(header) };
    case 'logs':
      return clean({ op, limit: num(header, 'limit', false, 0, 100_000), follow: bool(header, 'follow') });
    case 'watch':
      return clean({ op, path: str(header, 'path', false), recursive: bool(header, 'recursive') });
    case 'mkdir':
      return clean({ op, path: str(header, 'path', true)!, parents: bool(header, 'parents') });
    case 'move':
    case 'copy':
      return clean({ op, from: str(header, 'from', true)!, to: str(header, 'to', true)!, overwrite: bool(header, 'overwrite') });
    case 'remove':
      return clean({ op, path: str(header, 'path', true)!, recursive: bool(header, 'recursive') });
    default:
      bad(typeof op === 'string' ? `unknown operation '${op.slice(0, 40)}'` : `request has no 'op'`);
  }
}

export function parseHello(header: unknown): Hello {
  if (!isObj(header)) throw new FerryError(ErrorCode.BadFrame, 'hello header must be an object');
  const versions = header.versions;
  if (!Array.isArray(versions) || versions.length === 0 || versions.length > 16 || !versions.every(Number.isInteger)) {
    throw new FerryError(ErrorCode.BadFrame, `hello must offer 'versions' (an array of integers)`);
  }
  const client = typeof header.client === 'string' ? header.client.slice(0, 100) : 'unknown';
  const nonce = typeof header.nonce === 'string' && /^[0-9a-f]{16,128}$/.test(header.nonce) ? header.nonce : undefined;
  return clean({ versions: versions as number[], client, nonce });
}

export function parseErrorBody(header: unknown): ErrorBody {
  if (isObj(header) && typeof header.code === 'string' && typeof header.message === 'string') {
    return { code: header.code as ErrorCode, message: header.message };
  }
  return { code: ErrorCode.Internal, message: 'malformed error from peer' };
}
