// What downloads and uploads need of a FerryClient: which server it is, a
// fresh connection for each transfer, and the few control requests a
// download makes. The transfer modules depend on this, not on the client
// class that calls them, so the two do not import each other.

import type { DownloadCache } from '../cache/cache.js';
import type { RpcConnection, RpcOptions } from './rpc.js';
import type { Entry, HashResult, ListOptions, RemoteStat, ServerInfo } from './types.js';

export interface ServerLink {
  readonly info: ServerInfo;
  readonly options: RpcOptions;
  readonly cache: DownloadCache | null;
  openConnection(extra?: Pick<RpcOptions, 'allocate'>): Promise<RpcConnection>;
  stat(path: string, options?: { md5?: boolean; blake3?: boolean }): Promise<RemoteStat>;
  hash(path: string, options?: { rehash?: boolean; blake3?: boolean }): Promise<HashResult>;
  list(options?: ListOptions): Promise<Entry[]>;
}
