// Who gets a connection slot. Every accepted connection counts from accept
// (over TLS, before its handshake). Connections that have not completed the
// handshake share a smaller pool, capped per address; when a pool is full the
// OLDEST of them is closed to admit the newcomer (like sshd's MaxStartups
// early drop): idle holders lose their places, while a client that
// authenticates within milliseconds is never the oldest for long. Only
// authenticated clients can make the server refuse a newcomer.
//
// No sockets here: the server says what to close through `evict`.

import type { ServerLimits } from './context.js';

export interface Admitted {
  readonly address: string;
  /** address:port; unique among open connections. */
  readonly remote: string;
  authenticated: boolean;
}

interface AddressCount {
  open: number;
  unauthenticated: number;
}

type LimitsUsed = Pick<ServerLimits, 'connections' | 'connectionsPerAddress' | 'unauthenticated' | 'unauthenticatedPerAddress'>;

export class Admission<P extends Admitted> {
  /** Every open connection, oldest first. */
  private readonly open = new Map<string, P>();
  /** Those not yet authenticated, oldest first. */
  private readonly waiting = new Set<P>();
  private readonly perAddress = new Map<string, AddressCount>();

  constructor(
    private readonly limits: LimitsUsed,
    /** Close a peer dropped to make room (it is already forgotten here); `why` is for the log. */
    private readonly evict: (peer: P, why: string) => void,
  ) {}

  get size(): number {
    return this.open.size;
  }

  get unauthenticated(): number {
    return this.waiting.size;
  }

  peers(): IterableIterator<P> {
    return this.open.values();
  }

  get(remote: string): P | undefined {
    return this.open.get(remote);
  }

  /**
   * Make room for a newcomer from `address`, evicting the oldest
   * unauthenticated peers where a pool is full. Returns why it must be
   * refused, when the room is held by authenticated clients alone.
   */
  makeRoom(address: string): string | undefined {
    const { limits } = this;
    const here = this.perAddress.get(address);
    if (here && (here.unauthenticated >= limits.unauthenticatedPerAddress || here.open >= limits.connectionsPerAddress)) {
      const oldest = this.oldestWaiting(address);
      if (!oldest) return `more than ${limits.connectionsPerAddress} connections from ${address}`;
      const full =
        here.unauthenticated >= limits.unauthenticatedPerAddress
          ? `more than ${limits.unauthenticatedPerAddress} connections from ${address} waiting for their handshake`
          : `more than ${limits.connectionsPerAddress} connections from ${address}`;
      this.drop(oldest, `${full}; the oldest unauthenticated one was closed`);
    }
    if (this.waiting.size >= limits.unauthenticated || this.open.size >= limits.connections) {
      const oldest = this.oldestWaiting();
      if (!oldest) return `more than ${limits.connections} connections`;
      const full =
        this.waiting.size >= limits.unauthenticated
          ? `more than ${limits.unauthenticated} connections waiting for their handshake`
          : `more than ${limits.connections} connections`;
      this.drop(oldest, `${full}; the oldest unauthenticated one was closed`);
    }
    return undefined;
  }

  /** Take a newcomer (after makeRoom), as not yet authenticated. */
  add(peer: P): void {
    this.open.set(peer.remote, peer);
    this.waiting.add(peer);
    const count = this.perAddress.get(peer.address) ?? { open: 0, unauthenticated: 0 };
    count.open++;
    count.unauthenticated++;
    this.perAddress.set(peer.address, count);
  }

  /** The peer completed the handshake: it leaves the unauthenticated pool. False if it was already gone. */
  authenticated(peer: P): boolean {
    if (peer.authenticated || this.open.get(peer.remote) !== peer) return false;
    peer.authenticated = true;
    if (this.waiting.delete(peer)) this.perAddress.get(peer.address)!.unauthenticated--;
    return true;
  }

  /** Release a peer's place (idempotent: a dropped peer closes later). */
  remove(peer: P): void {
    if (this.open.get(peer.remote) !== peer) return;
    this.open.delete(peer.remote);
    const count = this.perAddress.get(peer.address)!;
    count.open--;
    if (this.waiting.delete(peer)) count.unauthenticated--;
    if (count.open <= 0) this.perAddress.delete(peer.address);
  }

  private oldestWaiting(address?: string): P | undefined {
    for (const peer of this.waiting) if (address === undefined || peer.address === address) return peer;
    return undefined;
  }

  private drop(peer: P, why: string): void {
    this.remove(peer);
    this.evict(peer, why);
  }
}
