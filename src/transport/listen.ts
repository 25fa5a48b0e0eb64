// Listening: the server's TCP (or TLS) socket and what it accepts. Every
// accepted connection is an Incoming from the first moment (TLS ones too,
// before their handshake), so the server can count, admit or drop it before
// it has said anything; frames start once `ready` (at once over TCP, after
// the TLS handshake over TLS). Admission, deadlines and sessions are the
// server's (server/peers.ts); the sockets are here.

import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { ErrorBody } from '../protocol/messages.js';
import { Kind } from '../protocol/messages.js';
import { FrameConnection } from './connection.js';
import { tlsServerOptions, type ServerIdentity } from './tls.js';

/** How long a refused peer has to take its ERROR frame and close before it is cut off. */
const REFUSE_LINGER_MS = 1000;

export interface ListenOptions {
  /** The literal address to bind. */
  host: string;
  port: number;
  /** TLS 1.3 with this identity; `handshakeMs` bounds the TLS handshake (a backstop: the server's own deadline comes first). */
  tls?: { identity: Pick<ServerIdentity, 'key' | 'cert'>; handshakeMs: number } | undefined;
}

/** One accepted TCP connection, from accept on (over TLS: before its handshake). */
export class Incoming {
  /** The peer's IP address. */
  readonly address: string;
  /** address:port, which names the connection in logs. */
  readonly remote: string;
  private secured: TLSSocket | undefined;

  constructor(
    private readonly raw: Socket,
    /** Over TLS frames wait for the handshake (`ready` turns true with it). */
    readonly tls: boolean,
  ) {
    this.address = raw.remoteAddress ?? '?';
    this.remote = `${this.address}:${raw.remotePort ?? '?'}`;
    // Half-open connections (a peer that vanished) are found by keepalive probes.
    raw.setKeepAlive(true, 30_000);
  }

  /** Frames can flow: plain TCP, or TLS past its handshake. */
  get ready(): boolean {
    return !this.tls || this.secured !== undefined;
  }

  /** Called once, when the TCP connection closes (whatever closed it). */
  onClose(listener: () => void): void {
    this.raw.once('close', listener);
  }

  /**
   * The framed connection over it (the TLS socket over TLS). Only once
   * `ready`: before that there is no stream to frame.
   */
  frames(options: { maxFrameBytes?: number; growBodies?: boolean } = {}): FrameConnection {
    if (!this.ready) throw new Error('no frames before the TLS handshake');
    return new FrameConnection(this.secured ?? this.raw, options);
  }

  /**
   * Say why in one ERROR frame (plain TCP only: over TLS before its handshake
   * there is no session to carry one), then close. Nothing the peer sends is
   * read, so a refused peer cannot make the server buffer a frame.
   */
  refuse(error: ErrorBody): void {
    if (this.tls) return this.destroy();
    const conn = new FrameConnection(this.raw);
    conn.send(Kind.Error, 0, error);
    this.raw.pause();
    conn.end();
    setTimeout(() => this.raw.destroy(), REFUSE_LINGER_MS).unref();
  }

  destroy(): void {
    this.secured?.destroy();
    this.raw.destroy();
  }

  /** @internal The listener hands over the TLS socket once its handshake is done. */
  secure(socket: TLSSocket): void {
    this.secured = socket;
  }
}

export interface ListenerEvents {
  /** A new connection, counted from accept (over TLS, before its handshake). */
  connection: [Incoming];
  /** Over TLS: the handshake completed, `incoming.frames()` can start. */
  secured: [Incoming];
  /** Over TLS: the handshake failed (a plain client on a TLS port, a bad ClientHello); the socket is gone. */
  tlsError: [Incoming, NodeJS.ErrnoException];
}

export class Listener extends EventEmitter<ListenerEvents> {
  /** Accepted TLS connections still in their handshake, by remote address:port (how a TLS session finds its connection). */
  private readonly handshaking = new Map<string, Incoming>();

  private constructor(
    private readonly server: Server,
    readonly tls: boolean,
    /** The address and port really bound (port 0 becomes the one the kernel chose). */
    readonly address: string,
    readonly port: number,
  ) {
    super();
    server.on('connection', (socket: Socket) => this.accepted(socket));
    if (!tls) return;
    server.on('secureConnection', (socket: TLSSocket) => this.secured(socket));
    server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
      const incoming = this.handshaking.get(key(socket));
      if (incoming) this.emit('tlsError', incoming, err);
    });
  }

  /** Bind and listen. Rejects with the socket's own error (EADDRINUSE, EACCES …). */
  static async open(options: ListenOptions): Promise<Listener> {
    const server = options.tls
      ? createTlsServer({ ...tlsServerOptions(options.tls.identity), noDelay: true, handshakeTimeout: options.tls.handshakeMs })
      : createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // A deep accept queue: under a storm of connects (an attacker reconnecting
      // as fast as it is dropped) a full queue drops a real client's SYN, and TCP
      // retries it only after a second. The kernel caps this at somaxconn.
      server.listen({ port: options.port, host: options.host, backlog: 4096 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const bound = server.address();
    const address = typeof bound === 'object' && bound ? bound.address : options.host;
    const port = typeof bound === 'object' && bound ? bound.port : options.port;
    return new Listener(server, options.tls !== undefined, address, port);
  }

  /** Stop accepting; resolves once every accepted connection has closed too. */
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accepted(raw: Socket): void {
    const incoming = new Incoming(raw, this.tls);
    if (this.tls) {
      const remote = incoming.remote;
      this.handshaking.set(remote, incoming);
      raw.once('close', () => {
        if (this.handshaking.get(remote) === incoming) this.handshaking.delete(remote);
      });
    }
    this.emit('connection', incoming);
  }

  private secured(socket: TLSSocket): void {
    const incoming = this.handshaking.get(key(socket));
    if (!incoming) {
      socket.destroy();
      return;
    }
    // Paired: the map holds only connections still in their TLS handshake.
    this.handshaking.delete(incoming.remote);
    incoming.secure(socket);
    this.emit('secured', incoming);
  }
}

function key(socket: Socket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
}
