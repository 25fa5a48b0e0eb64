// A connection's life before and around its session: counted and admitted at
// accept (TLS ones too, before their handshake), one deadline for the TLS
// handshake and HELLO/AUTH, the handshake-sized frame limit lifted once the
// peer authenticates, and every refusal or drop logged. Admission's pure
// bookkeeping (pools, per-address caps, early drop) is in admission.ts.

import { ErrorCode } from '../protocol/errors.js';
import { MAX_FRAME_BYTES, MAX_HANDSHAKE_FRAME_BYTES } from '../protocol/limits.js';
import { Kind } from '../protocol/messages.js';
import type { FrameConnection } from '../transport/connection.js';
import type { Incoming, Listener } from '../transport/listen.js';
import { Admission, type Admitted } from './admission.js';
import type { ServerServices } from './context.js';
import { Session } from './session.js';

/** One accepted TCP connection, from accept on (over TLS: before its handshake). */
export interface Peer extends Admitted {
  /** The accepted connection (over TLS, from before its handshake). */
  readonly incoming: Incoming;
  conn?: FrameConnection;
  session?: Session;
  deadline?: NodeJS.Timeout;
  /** Closed by the server (deadline, early drop): its TLS error is not news. */
  closing?: boolean;
}

export class Peers {
  private readonly admission: Admission<Peer>;
  private refusing = false;

  constructor(
    private readonly services: ServerServices,
    /** The share's name as WELCOME tells it. */
    private readonly shareName: string,
  ) {
    this.admission = new Admission<Peer>(services.limits, (peer, why) => this.drop(peer, why));
  }

  /** Take the listener's connections (and, over TLS, its handshake outcomes). */
  listen(listener: Listener): void {
    // Every connection counts from accept, TLS ones too: a peer that never
    // finishes its TLS handshake holds a descriptor like any other.
    listener.on('connection', (incoming) => this.accept(incoming));
    listener.on('secured', (incoming) => this.secured(incoming));
    // A failed TLS handshake (a plain client on a TLS port, a bad ClientHello):
    // the socket is gone and its close releases the peer; the refusal is logged.
    listener.on('tlsError', (incoming, err) => this.tlsFailed(incoming, err));
  }

  /** From now on a new connection is closed at once (the server is shutting down). */
  refuseNew(): void {
    this.refusing = true;
  }

  all(): Peer[] {
    return [...this.admission.peers()];
  }

  /** Open connections, and how many of them have not completed the handshake. */
  get counts(): { all: number; unauthenticated: number } {
    return { all: this.admission.size, unauthenticated: this.admission.unauthenticated };
  }

  private accept(incoming: Incoming): void {
    if (this.refusing) {
      incoming.destroy();
      return;
    }
    this.services.counters.connections++;
    const { address, remote } = incoming;
    const refusal = this.admission.makeRoom(address);
    if (refusal) return this.refuse(incoming, refusal);
    const peer: Peer = { incoming, address, remote, authenticated: false };
    this.admission.add(peer);
    incoming.onClose(() => this.forget(peer));
    // One deadline from accept covers the TLS handshake and HELLO/AUTH alike.
    peer.deadline = setTimeout(() => this.handshakeExpired(peer), this.services.limits.handshakeMs);
    peer.deadline.unref();
    if (incoming.ready) this.startSession(peer);
  }

  /** A TLS handshake completed: the peer's frames can start. */
  private secured(incoming: Incoming): void {
    const peer = this.admission.get(incoming.remote);
    if (peer?.incoming !== incoming || peer.session || this.refusing) {
      incoming.destroy();
      return;
    }
    this.startSession(peer);
  }

  private startSession(peer: Peer): void {
    // Until the handshake is done only a HELLO or AUTH sized frame is
    // accepted, and bodies grow with what arrives (see FrameDecoder `grow`).
    const conn = peer.incoming.frames({ maxFrameBytes: MAX_HANDSHAKE_FRAME_BYTES, growBodies: true });
    peer.conn = conn;
    peer.session = new Session(conn, this.services, this.shareName, {
      onAuthenticated: () => this.authenticated(peer),
    });
  }

  private authenticated(peer: Peer): void {
    if (!this.admission.authenticated(peer)) return;
    clearTimeout(peer.deadline);
    if (peer.conn) peer.conn.maxFrameBytes = MAX_FRAME_BYTES;
  }

  private tlsFailed(incoming: Incoming, err: NodeJS.ErrnoException): void {
    const peer = this.admission.get(incoming.remote);
    if (peer?.incoming !== incoming || peer.closing || peer.session) return;
    this.logConnection(peer.remote, ErrorCode.BadFrame, `TLS handshake failed: ${err.code ?? err.message}`);
  }

  private handshakeExpired(peer: Peer): void {
    if (peer.authenticated || this.admission.get(peer.remote) !== peer) return;
    peer.closing = true;
    if (peer.session) return peer.session.expireHandshake();
    // Still inside the TLS handshake: there is no frame to send, only a log line.
    this.logConnection(peer.remote, ErrorCode.Timeout, `no TLS handshake within ${Math.round(this.services.limits.handshakeMs / 100) / 10} s`);
    peer.incoming.destroy();
  }

  /** Close a peer that has not authenticated, to admit a newer one; logged. */
  private drop(peer: Peer, why: string): void {
    clearTimeout(peer.deadline);
    peer.closing = true;
    this.logConnection(peer.remote, ErrorCode.TooManyRequests, why);
    // Tell a plain peer why (one small frame, written before the close).
    peer.conn?.send(Kind.Error, 0, { code: ErrorCode.TooManyRequests, message: `server busy: ${why}` });
    peer.incoming.destroy();
  }

  private refuse(incoming: Incoming, why: string): void {
    this.logConnection(incoming.remote, ErrorCode.TooManyRequests, why);
    // Over plain TCP the peer is told why, so a legitimate client can tell the user.
    incoming.refuse({ code: ErrorCode.TooManyRequests, message: `server busy: ${why}` });
  }

  private forget(peer: Peer): void {
    clearTimeout(peer.deadline);
    this.admission.remove(peer);
  }

  private logConnection(client: string, outcome: string, message: string): void {
    this.services.log.append({ time: new Date().toISOString(), client, command: 'connection', args: {}, outcome, bytes: 0, ms: 0, message });
  }
}
