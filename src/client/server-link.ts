// What downloads and uploads need of a FerryClient: which server it is, a
// fresh connection for each transfer, and the few control requests a
// download makes. The transfer modules depend on this, not on the client
// class that calls them, so the two do not import each other.

import type { DownloadCache } from '../cache/cache.js';
import type { FrameMemory } from './buffer-pool.js';
import type { RpcConnection, RpcOptions } from './rpc.js';

export interface Lease {
  rpc: RpcConnection;
  /** This transfer's share of the frame memory: give every slot back (reclaim) once nothing holds a view of it. */
  frames: FrameMemory;
  release(reuse: boolean): void;
}
import type { Entry, HashResult, ListOptions, ListStream, RemoteStat, ServerInfo } from './types.js';

export interface ServerLink {
  readonly info: ServerInfo;
  readonly options: RpcOptions;
  readonly cache: DownloadCache | null;
  openConnection(extra?: Pick<RpcOptions, 'allocate'>): Promise<RpcConnection>;
  /**
   * A connection for one transfer at a time, kept open between transfers:
   * many small files pay no handshake each. `release(true)` gives it back
   * after a transfer that ended cleanly; anything else closes it. Large DATA
   * frames arrive in memory from `frames`, which the transfer recycles.
   */
  leaseConnection(): Promise<Lease>;
  stat(path: string, options?: { md5?: boolean; blake3?: boolean }): Promise<RemoteStat>;
  hash(path: string, options?: { rehash?: boolean; blake3?: boolean }): Promise<HashResult>;
  list(options?: ListOptions): Promise<Entry[]>;
  /** A listing batch by batch as the server walks, nothing kept; resolves with the count. */
  listStream(options: ListOptions, stream: ListStream): Promise<number>;
}
