// A connection's life before and around its session: counted and admitted at
// accept (TLS ones too, before their handshake), one deadline for the TLS
// handshake and HELLO/AUTH, the handshake-sized frame limit lifted once the
// peer authenticates, and every refusal or drop logged. Admission's pure
// bookkeeping (pools, per-address caps, early drop) is in admission.ts.

import type { Server, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { ErrorCode } from '../protocol/errors.js';
import { MAX_FRAME_BYTES, MAX_HANDSHAKE_FRAME_BYTES } from '../protocol/limits.js';
import { Kind } from '../protocol/messages.js';
import { FrameConnection } from '../transport/connection.js';
import { Admission, type Admitted } from './admission.js';
import type { ServerServices } from './context.js';
import { Session } from './session.js';

/** One accepted TCP connection, from accept on (over TLS: before its handshake). */
export interface Peer extends Admitted {
  /** The TCP socket (over TLS, the one under the TLSSocket). */
  readonly raw: Socket;
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
  listen(netServer: Server, tls: boolean): void {
    // Every connection counts from accept, TLS ones too: a peer that never
    // finishes its TLS handshake holds a descriptor like any other.
    netServer.on('connection', (socket: Socket) => this.accept(socket, tls));
    if (!tls) return;
    netServer.on('secureConnection', (socket: TLSSocket) => this.secured(socket));
    // A failed TLS handshake (a plain client on a TLS port, a bad ClientHello):
    // the socket is gone and its close releases the peer; the refusal is logged.
    netServer.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => this.tlsFailed(err, socket));
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

  private accept(raw: Socket, tls: boolean): void {
    if (this.refusing) {
      raw.destroy();
      return;
    }
    this.services.counters.connections++;
    const address = raw.remoteAddress ?? '?';
    const remote = `${address}:${raw.remotePort ?? '?'}`;
    const refusal = this.admission.makeRoom(address);
    if (refusal) return this.refuse(raw, remote, tls, refusal);
    const peer: Peer = { raw, address, remote, authenticated: false };
    this.admission.add(peer);
    raw.once('close', () => this.forget(peer));
    // Half-open connections (a peer that vanished) are found by keepalive probes.
    raw.setKeepAlive(true, 30_000);
    // One deadline from accept covers the TLS handshake and HELLO/AUTH alike.
    peer.deadline = setTimeout(() => this.handshakeExpired(peer), this.services.limits.handshakeMs);
    peer.deadline.unref();
    if (!tls) this.startSession(peer, raw);
  }

  /** A TLS handshake completed: the peer's frames can start. */
  private secured(socket: TLSSocket): void {
    const peer = this.admission.get(`${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`);
    if (!peer || peer.session || this.refusing) {
      socket.destroy();
      return;
    }
    this.startSession(peer, socket);
  }

  private startSession(peer: Peer, socket: Socket): void {
    // Until the handshake is done only a HELLO or AUTH sized frame is
    // accepted, and bodies grow with what arrives (see FrameDecoder `grow`).
    const conn = new FrameConnection(socket, { maxFrameBytes: MAX_HANDSHAKE_FRAME_BYTES, growBodies: true });
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

  private tlsFailed(err: NodeJS.ErrnoException, socket: TLSSocket): void {
    const peer = this.admission.get(`${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`);
    if (!peer || peer.closing || peer.session) return;
    this.logConnection(peer.remote, ErrorCode.BadFrame, `TLS handshake failed: ${err.code ?? err.message}`);
  }

  private handshakeExpired(peer: Peer): void {
    if (peer.authenticated || this.admission.get(peer.remote) !== peer) return;
    peer.closing = true;
    if (peer.session) return peer.session.expireHandshake();
    // Still inside the TLS handshake: there is no frame to send, only a log line.
    this.logConnection(peer.remote, ErrorCode.Timeout, `no TLS handshake within ${Math.round(this.services.limits.handshakeMs / 100) / 10} s`);
    peer.raw.destroy();
  }

  /** Close a peer that has not authenticated, to admit a newer one; logged. */
  private drop(peer: Peer, why: string): void {
    clearTimeout(peer.deadline);
    peer.closing = true;
    this.logConnection(peer.remote, ErrorCode.TooManyRequests, why);
    // Tell a plain peer why (one small frame, written before the close).
    peer.conn?.send(Kind.Error, 0, { code: ErrorCode.TooManyRequests, message: `server busy: ${why}` });
    peer.raw.destroy();
  }

  private refuse(raw: Socket, remote: string, tls: boolean, why: string): void {
    this.logConnection(remote, ErrorCode.TooManyRequests, why);
    if (tls) {
      // No TLS session to carry a frame: just close.
      raw.destroy();
      return;
    }
    // Say why before closing, so a legitimate client can tell the user.
    const conn = new FrameConnection(raw);
    conn.send(Kind.Error, 0, { code: ErrorCode.TooManyRequests, message: `server busy: ${why}` });
    // Nothing it sends is read: a refused peer must not make us buffer a frame.
    raw.pause();
    conn.end();
    setTimeout(() => raw.destroy(), 1000).unref();
  }

  private forget(peer: Peer): void {
    clearTimeout(peer.deadline);
    this.admission.remove(peer);
  }

  private logConnection(client: string, outcome: string, message: string): void {
    this.services.log.append({ time: new Date().toISOString(), client, command: 'connection', args: {}, outcome, bytes: 0, ms: 0, message });
  }
}
