// What a request handler gets: the share, the indexes, and a way to answer.
// Handlers never see the socket; the session turns these calls into frames.

import type { Request } from '../protocol/messages.js';
import type { CommandLog } from './command-log.js';
import type { HashIndex } from './hash-index.js';
import type { ShareStore } from './store.js';
import type { Turns } from './turns.js';
import type { WatchHub } from './watch/hub.js';

/** What one server allows (DEFAULT_LIMITS in default-limits.ts; tests lower them). */
export interface ServerLimits {
  /** Open connections from one IP address. */
  connectionsPerAddress: number;
  /** Open connections in all, from accept (over TLS: before its handshake). */
  connections: number;
  /**
   * Connections that have not completed the handshake (TLS and HELLO/AUTH).
   * They have their own pool, smaller than `connections`, so peers that prove
   * nothing can never take the room of clients that authenticate; when it is
   * full, the oldest of them is closed to admit a new one.
   */
  unauthenticated: number;
  /** Of those, from one IP address (past it, that address's oldest is closed). */
  unauthenticatedPerAddress: number;
  /** Time from accept to a completed handshake (TLS, HELLO and AUTH together). */
  handshakeMs: number;
  /** A connection with nothing in flight and no complete frame for this long is closed. */
  idleMs: number;
  /** Concurrent UDP sessions for one IP address. */
  udpSessionsPerAddress: number;
  /** Bytes queued for a client that is not reading before it is disconnected. */
  unreadBytes: number;
  /** An upload temp file whose writer may still be alive is removed at start only once this old. */
  staleUploadMs: number;
  /** Entries the start-up walk for stale upload temp files looks at before it stops. */
  staleUploadScanEntries: number;
  /** A client that reads nothing for this long while a transfer waits on it is disconnected. */
  sendStallMs: number;
  /** Transfers (download, udp, upload) one connection runs at once; the rest wait their turn. */
  transfersPerConnection: number;
  /** Walks of the share (list, hashall) open at once, over all connections: each holds folders open. */
  walks: number;
  /** Walks waiting to be admitted before new ones are refused as busy. */
  walksWaiting: number;
  /** Steps of walks (a slice of a folder each) taken at once; open walks take turns. */
  walkSteps: number;
  /** Walks one connection runs at once; its others wait, holding nothing. */
  walksPerConnection: number;
  /** Folders followed (watch requests) at once, over all connections. */
  watches: number;
  /** Folders one connection follows at once. */
  watchesPerConnection: number;
  /** Folders watched in all (one kernel watch each; a recursive watch takes one per folder below). */
  watchedFolders: number;
  /** Changed paths held for one watching client before they become one `rescan`. */
  watchPending: number;
  /** Entries one recursive `remove` request deletes at most; the client asks again for the rest. */
  removeEntries: number;
  /** Entries (files and folders) one folder `copy` may hold; a bigger folder is refused. */
  copyEntries: number;
}

export interface ServerServices {
  store: ShareStore;
  hashes: HashIndex;
  log: CommandLog;
  /** Clients may change the share: upload, mkdir, move, remove, copy (--allow-write). */
  allowWrite: boolean;
  /** Shared secret clients must prove they know (undefined: no authentication). */
  token?: string;
  counters: ServerCounters;
  limits: ServerLimits;
  /** Admission of walks of the share, shared by every connection (limits.walks). */
  walks: Turns;
  /** Turns for the steps of admitted walks (limits.walkSteps). */
  walkSteps: Turns;
  /** Folders followed by clients (the watch op), shared watchers and their limits. */
  watches: WatchHub;
  /** Open UDP sessions per client IP address, for the per-address limit. */
  udpSessionsByAddress: Map<string, number>;
  /** Opens a UDP download session for the control connection (undefined when UDP is off). */
  udp?: UdpSessions;
  /** The socket behind `udp`, closed on shutdown. */
  udpEndpoint?: { close(): Promise<void> };
}

export interface UdpSessions {
  readonly port: number;
  open(options: {
    clientHost: string;
    file: import('node:fs/promises').FileHandle;
    size: number;
    startChunk: number;
    chunkSize: number;
    signal: AbortSignal;
    /** With TLS: the MAC key for the new session's id. */
    macKeyFor?: (sessionId: string) => Buffer;
  }): Promise<{ sessionId: string; port: number; done: Promise<UdpSendStats> }>;
}

export type UdpSendStats = import('../protocol/udp-sender.js').UdpSenderStats;

export interface ServerCounters {
  connections: number;
  requests: number;
  /** File bytes sent in DATA frames (downloads). A cache hit adds nothing here. */
  bytesSent: number;
  bytesReceived: number;
  downloads: number;
  uploads: number;
  errors: number;
  /** Transfers (download, udp, upload) running now: each may hold a file open. A gauge, not a total. */
  transfers: number;
  /** Requests waiting for their client to take what they sent (a gauge). */
  sendsWaiting: number;
}

export interface RequestContext<R extends Request = Request> {
  readonly id: number;
  readonly client: string;
  readonly request: R;
  readonly signal: AbortSignal;
  readonly services: ServerServices;
  /** Over TLS: the key that authenticates a UDP session's datagrams, from the TLS session. */
  readonly udpKeyFor?: (sessionId: string) => Buffer;
  /** Send one ITEM frame (a payload is for binary results, e.g. a chunk list); resolves when the connection can take more (await it). */
  item(header: object, payload?: Buffer): Promise<void>;
  /** Send one DATA frame; resolves when the connection can take more and the payload's memory is free for reuse. */
  data(payload: Buffer): Promise<void>;
  /** For uploads: the DATA payloads the client sends, ending at its END frame. */
  incoming(): AsyncIterable<Buffer>;
  /** Add to the byte count recorded in the command log. */
  countBytes(n: number): void;
  /** Extra fields for the command log line (e.g. cache-relevant facts). */
  note(fields: Record<string, unknown>): void;
}

/** A handler returns the REPLY header; throwing a FerryError sends an ERROR frame. */
export type Handler<R extends Request = Request> = (ctx: RequestContext<R>) => Promise<object>;
