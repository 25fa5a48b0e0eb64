// `ferry serve`: accept connections, hand each to a Session, shut down cleanly.

import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { basename, relative, resolve, isAbsolute } from 'node:path';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import { Kind } from '../protocol/messages.js';
import { isLoopback } from '../protocol/udp-packet.js';
import { FrameConnection } from '../transport/connection.js';
import { defaultIdentityDir, loadOrCreateServerIdentity, tlsServerOptions } from '../transport/tls.js';
import { UdpEndpoint } from '../transport/udp-endpoint.js';
import { CommandLog, type LogRotation } from './command-log.js';
import type { ServerCounters, ServerLimits, ServerServices, UdpSessions } from './context.js';

export type { ServerLimits } from './context.js';
import { HashIndex } from './hash-index.js';
import { defaultHashIndexFile, defaultLogFile } from './paths.js';
import { Session } from './session.js';
import { ShareStore } from './store.js';

export interface ServerOptions {
  root: string;
  host?: string;
  port?: number;
  udpPort?: number;
  /**
   * The UDP port clients are told to send to, when it differs from the bound
   * one (a port forward or NAT in front of the server). Binding is unchanged.
   */
  udpAdvertisePort?: number;
  /** Command log file (default under the user's state directory). */
  logFile?: string;
  /** When the command log rotates and how many older files it keeps (DEFAULT_LOG_ROTATION). */
  logRotation?: Partial<LogRotation>;
  /** Set false to serve TCP only. */
  udp?: boolean;
  /** Hash index file; null keeps the index in memory only. */
  hashIndexFile?: string | null;
  allowUpload?: boolean;
  token?: string;
  /** How long in-flight requests may run after a shutdown starts. */
  shutdownGraceMs?: number;
  /** Allow binding beyond loopback without a token. */
  insecure?: boolean;
  /** TLS 1.3 with the server's self-signed certificate (created once in `tlsDir`). */
  tls?: boolean;
  tlsDir?: string;
  limits?: Partial<ServerLimits>;
}


export const DEFAULT_LIMITS: ServerLimits = {
  // Each client holds a control connection plus one per running transfer, and
  // a busy machine (or a NAT) may run dozens of clients: generous, but bounded.
  connectionsPerAddress: 256,
  connections: 1024,
  idleMs: 5 * 60_000,
  udpSessionsPerAddress: 4,
  unreadBytes: 32 * 1024 * 1024,
};

/** Sessions announced on `port` instead of the bound one: the handler tells clients whatever port a session reports. */
function advertising(endpoint: UdpSessions, port: number): UdpSessions {
  return {
    get port() {
      return endpoint.port;
    },
    open: async (options) => {
      const { sessionId, done } = await endpoint.open(options);
      return { sessionId, port, done };
    },
  };
}

export class FerryServer {
  private readonly sessions = new Set<Session>();
  private readonly sockets = new Set<Socket>();
  private readonly perAddress = new Map<string, number>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly net: Server,
    private readonly services: ServerServices,
    readonly host: string,
    readonly port: number,
    private readonly options: ServerOptions,
    /** With --tls: the certificate's SHA-256 fingerprint, for clients to pin. */
    readonly fingerprint: string | undefined,
  ) {}

  /** Live counters (connections, requests, bytes sent, ...): tests and the bench read them. */
  get counters(): ServerCounters {
    return this.services.counters;
  }

  /** The MD5 index (tests use it to check what was read). */
  get hashIndex(): HashIndex {
    return this.services.hashes;
  }

  get root(): string {
    return this.services.store.root;
  }

  get logFile(): string {
    return this.services.log.file;
  }

  /** The limits in force (defaults with the options applied): `serve --verbose` prints them. */
  get limits(): Readonly<ServerLimits> {
    return this.services.limits;
  }

  /** The command log's rotation and its other bounds (line, field, queue). */
  get logLimits(): Readonly<CommandLog['limits']> {
    return this.services.log.limits;
  }

  get udpPort(): number | undefined {
    return this.services.udp?.port;
  }

  static async start(options: ServerOptions): Promise<FerryServer> {
    const host = options.host ?? '127.0.0.1';
    // Loopback is the only place ferry listens without a token by default.
    if (!isLoopback(host) && !options.token && !options.insecure) {
      throw new FerryError(
        ErrorCode.Forbidden,
        `refusing to share on ${host} without a token: anyone who can reach it could read the folder (use --token SECRET or --token auto, or --insecure if you mean it)`,
      );
    }
    const store = await ShareStore.open(options.root);
    const logFile = resolve(options.logFile ?? defaultLogFile());
    const inside = relative(store.root, logFile);
    if (!inside.startsWith('..') && !isAbsolute(inside)) {
      throw new FerryError(ErrorCode.BadRequest, `the command log ${logFile} must not be inside the shared folder`);
    }
    const log = await CommandLog.open(logFile, options.logRotation);
    const indexFile = options.hashIndexFile === undefined ? defaultHashIndexFile(store.root) : options.hashIndexFile;
    const hashes = await HashIndex.open(indexFile ? { file: indexFile } : {});
    const counters: ServerCounters = { connections: 0, requests: 0, bytesSent: 0, bytesReceived: 0, downloads: 0, uploads: 0, errors: 0 };
    const limits: ServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
    const services: ServerServices = {
      store,
      hashes,
      log,
      allowUpload: options.allowUpload ?? false,
      counters,
      limits,
      udpSessionsByAddress: new Map(),
      ...(options.token ? { token: options.token } : {}),
    };

    const identity = options.tls ? await loadOrCreateServerIdentity(options.tlsDir ?? defaultIdentityDir()) : undefined;
    const netServer = identity ? createTlsServer({ ...tlsServerOptions(identity), noDelay: true }) : createServer({ noDelay: true });
    await new Promise<void>((resolveListen, reject) => {
      netServer.once('error', reject);
      netServer.listen(options.port ?? 2003, host, () => {
        netServer.off('error', reject);
        resolveListen();
      });
    }).catch(async (err: NodeJS.ErrnoException) => {
      await hashes.close();
      await log.close();
      if (err.code === 'EADDRINUSE') throw new FerryError(ErrorCode.BadRequest, `port ${options.port} on ${host} is already in use`);
      throw err;
    });
    const address = netServer.address();
    const port = typeof address === 'object' && address ? address.port : (options.port ?? 2003);
    if (options.udp !== false) {
      // UDP listens on the TCP port number unless told otherwise.
      const udpPort = options.udpPort ?? port;
      try {
        const endpoint = await UdpEndpoint.bind({ host, port: udpPort, type: host.includes(':') ? 'udp6' : 'udp4' });
        services.udp = options.udpAdvertisePort === undefined ? endpoint : advertising(endpoint, options.udpAdvertisePort);
        services.udpEndpoint = endpoint;
      } catch (err) {
        netServer.close();
        await hashes.close();
        await log.close();
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new FerryError(ErrorCode.BadRequest, `UDP port ${udpPort} on ${host} is already in use (use --udp-port)`);
        throw err;
      }
    }
    const server = new FerryServer(netServer, services, host, port, options, identity?.fingerprint);
    // Over TLS a connection counts once its handshake is done; the TLS
    // handshake timeout bounds how long an unfinished one can hold a socket.
    netServer.on(identity ? 'secureConnection' : 'connection', (socket: Socket) => server.accept(socket));
    return server;
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const { limits } = this.services;
    const address = socket.remoteAddress ?? '?';
    const fromAddress = this.perAddress.get(address) ?? 0;
    const conn = new FrameConnection(socket);
    this.counters.connections++;
    if (fromAddress >= limits.connectionsPerAddress || this.sockets.size >= limits.connections) {
      // Say why before closing, so a legitimate client can tell the user.
      const why = fromAddress >= limits.connectionsPerAddress ? `more than ${limits.connectionsPerAddress} connections from ${address}` : `more than ${limits.connections} connections`;
      conn.send(Kind.Error, 0, { code: ErrorCode.TooManyRequests, message: `server busy: ${why}` });
      conn.end();
      setTimeout(() => socket.destroy(), 1000).unref();
      this.services.log.append({ time: new Date().toISOString(), client: conn.remote, command: 'connection', args: {}, outcome: ErrorCode.TooManyRequests, bytes: 0, ms: 0, message: why });
      return;
    }
    this.perAddress.set(address, fromAddress + 1);
    this.sockets.add(socket);
    // Half-open connections (a peer that vanished) are found by keepalive probes.
    socket.setKeepAlive(true, 30_000);
    const session = new Session(conn, this.services, basename(this.root) || '/');
    this.sessions.add(session);
    conn.on('close', () => {
      this.sockets.delete(socket);
      this.sessions.delete(session);
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(address, left);
      else this.perAddress.delete(address);
    });
  }

  /**
   * Stop accepting, tell every client the server is going away, let in-flight
   * requests finish within the grace period, abort the rest, then close.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const stopped = new Promise<void>((r) => this.net.close(() => r()));
      const grace = this.options.shutdownGraceMs ?? 5000;
      const drained = Promise.allSettled([...this.sessions].map((s) => s.drain()));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), grace)));
      if ((await Promise.race([drained, timedOut])) === 'timeout') {
        for (const s of this.sessions) s.abortAll();
        await drained;
      }
      clearTimeout(timer);
      for (const socket of this.sockets) socket.end();
      // Give well-behaved clients a moment to close their side, then force it.
      const forced = setTimeout(() => this.sockets.forEach((s) => s.destroy()), 1000);
      await stopped;
      clearTimeout(forced);
      await this.services.udpEndpoint?.close();
      await this.services.hashes.close();
      await this.services.log.close();
    })();
    return this.closing;
  }
}
