// `ferry serve`: accept connections, hand each to a Session, shut down cleanly.

import { basename, resolve } from 'node:path';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import { Listener } from '../transport/listen.js';
import { defaultIdentityDir, loadOrCreateServerIdentity } from '../transport/tls.js';
import { UdpEndpoint } from '../transport/udp-endpoint.js';
import { assertMayBind, resolveBindAddress, type HostLookup } from './bind-address.js';
import { CommandLog, type LogRotation } from './command-log.js';
import { Peers } from './peers.js';
import type { ServerCounters, ServerLimits, ServerServices, UdpSessions } from './context.js';

export type { ServerLimits } from './context.js';
export { DEFAULT_LIMITS } from './default-limits.js';
import { DEFAULT_LIMITS } from './default-limits.js';
import { HashIndex } from './hash-index.js';
import { defaultHashIndexFile, defaultLogFile, ferryStateLocations } from './paths.js';
import { PrivateState } from './private-state.js';
import { ShareStore } from './store.js';
import { Turns } from './turns.js';
import { discardFolder, shareRules } from './tree-ops.js';
import { removeStaleUploads, type CleanupReport } from './upload-temp.js';
import { WatchHub } from './watch/hub.js';

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
  /**
   * Start the hashing threads with the server (default true), so that the
   * first download of a file never hashed does not wait for them to load.
   */
  startHashWorkers?: boolean;
  /** Clients may change the share (upload, mkdir, move, remove, copy). */
  allowWrite?: boolean;
  /** The former name of allowWrite, still accepted. */
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
  /** How `host` is resolved to the address bound (default dns.lookup; tests inject one). */
  lookup?: HostLookup;
}

// One open folder per level while walking for stale uploads.
const STALE_UPLOAD_SCAN_DEPTH = 64;

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
  private readonly peers: Peers;
  private closing: Promise<void> | undefined;
  private readonly stopCleanup = new AbortController();
  /**
   * The start-up removal of upload temp files left by servers that died mid-upload.
   * It runs in the background and never delays start; close() stops and awaits it.
   */
  readonly staleUploadsCleaned: Promise<CleanupReport>;

  private constructor(
    private readonly listener: Listener,
    private readonly services: ServerServices,
    /** --host as given (a name or an address), for messages. */
    readonly host: string,
    /** The literal address the TCP socket is bound to. */
    readonly boundAddress: string,
    readonly port: number,
    private readonly options: ServerOptions,
    /** With --tls: the certificate's SHA-256 fingerprint, for clients to pin. */
    readonly fingerprint: string | undefined,
  ) {
    this.peers = new Peers(services, basename(services.store.root) || '/');
    const { store, limits, log } = services;
    const started = Date.now();
    this.staleUploadsCleaned = removeStaleUploads(store.root, {
      maxAgeMs: limits.staleUploadMs,
      maxEntries: limits.staleUploadScanEntries,
      maxDepth: STALE_UPLOAD_SCAN_DEPTH,
      skip: (real) => store.isPrivate(real),
      removeFolder: (at, budget) => discardFolder(at, shareRules(store, services.hashes), budget),
      signal: this.stopCleanup.signal,
    }).then((report) => {
      if (report.removed > 0 || !report.complete) {
        const message = `removed ${report.removed} upload temp file(s) left by stopped servers${report.complete ? '' : `; stopped after ${report.entries} entries`}`;
        log.append({
          time: new Date().toISOString(),
          client: 'server',
          command: 'clean-uploads',
          args: {},
          outcome: 'ok',
          bytes: 0,
          ms: Date.now() - started,
          message,
        });
      }
      return report;
    });
  }

  /** Live counters (connections, requests, bytes sent, ...): tests and the bench read them. */
  get counters(): ServerCounters {
    return this.services.counters;
  }

  /** Bytes queued in user space for all clients (sent but not yet taken by the kernel). */
  get queuedBytes(): number {
    let bytes = 0;
    for (const peer of this.peers.all()) bytes += peer.conn?.queuedBytes ?? 0;
    return bytes;
  }

  /** Over all connections: bytes of partial frames received, and the memory held for them. */
  get partialFrames(): { received: number; reserved: number } {
    const total = { received: 0, reserved: 0 };
    for (const peer of this.peers.all()) {
      const partial = peer.conn?.partialFrame;
      total.received += partial?.received ?? 0;
      total.reserved += partial?.reserved ?? 0;
    }
    return total;
  }

  /** Open connections, and how many of them have not completed the handshake. */
  get openConnections(): { all: number; unauthenticated: number } {
    return this.peers.counts;
  }

  /** Turns for walks of the share: tests and the bench read how many are in use. */
  get walks(): { readonly active: number } {
    return this.services.walks;
  }

  /** Watchers, folders watched and subscriptions (tests check they stay bounded and are released). */
  get watches(): WatchHub['stats'] {
    return this.services.watches.stats;
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
    const guarded = Boolean(options.token) || Boolean(options.insecure);
    // Loopback is the only place ferry listens without a token by default: the
    // rule applies to the address bound, so a name is resolved first.
    const address = await resolveBindAddress(host, options.lookup);
    assertMayBind(address, host, guarded);
    const store = await ShareStore.open(options.root);
    // A command log inside the share is allowed (sharing ~ with the default log is
    // legitimate): like all of ferry's state it is kept private, see below.
    const logFile = resolve(options.logFile ?? defaultLogFile());
    const log = await CommandLog.open(logFile, options.logRotation);
    const indexFile = options.hashIndexFile === undefined ? defaultHashIndexFile(store.root) : options.hashIndexFile;
    const hashes = await HashIndex.open(indexFile ? { file: indexFile } : {});
    const counters: ServerCounters = {
      connections: 0,
      requests: 0,
      bytesSent: 0,
      bytesReceived: 0,
      downloads: 0,
      uploads: 0,
      errors: 0,
      transfers: 0,
      sendsWaiting: 0,
    };
    const limits: ServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
    const services: ServerServices = {
      store,
      hashes,
      log,
      allowWrite: options.allowWrite ?? options.allowUpload ?? false,
      counters,
      limits,
      udpSessionsByAddress: new Map(),
      walks: new Turns(
        limits.walks,
        limits.walksWaiting,
        (running, waiting) =>
          new FerryError(ErrorCode.TooManyRequests, `server busy: ${running} walks of the share running and ${waiting} waiting; try again shortly`),
      ),
      walkSteps: new Turns(limits.walkSteps),
      watches: new WatchHub(store, limits),
      ...(options.token ? { token: options.token } : {}),
    };

    const identity = options.tls ? await loadOrCreateServerIdentity(options.tlsDir ?? defaultIdentityDir()) : undefined;
    // Located once everything exists: the log, the index and the identity are now on disk.
    store.keepPrivate(
      PrivateState.locate(
        store.root,
        ferryStateLocations({ root: store.root, logFile, hashIndexFile: indexFile, ...(options.tlsDir ? { tlsDir: options.tlsDir } : {}) }),
      ),
    );
    const listener = await Listener.open({
      host: address,
      port: options.port ?? 2003,
      // The server's own deadline (handshakeMs from accept, logged) closes a stalled
      // TLS handshake first; the TLS server's own timeout is only a backstop.
      ...(identity ? { tls: { identity, handshakeMs: limits.handshakeMs + 1000 } } : {}),
    }).catch(async (err: NodeJS.ErrnoException) => {
      await hashes.close();
      await log.close();
      if (err.code === 'EADDRINUSE') throw new FerryError(ErrorCode.BadRequest, `port ${options.port} on ${host} is already in use`);
      throw err;
    });
    const { port, address: boundAddress } = listener;
    try {
      // What the socket really listens on is what the rule is about.
      assertMayBind(boundAddress, host, guarded);
    } catch (err) {
      void listener.close(); // not awaited: a connection accepted meanwhile would hold it open
      await hashes.close();
      await log.close();
      throw err;
    }
    if (options.udp !== false) {
      // UDP listens on the TCP port number unless told otherwise.
      const udpPort = options.udpPort ?? port;
      try {
        const endpoint = await UdpEndpoint.bind({ host: boundAddress, port: udpPort, type: boundAddress.includes(':') ? 'udp6' : 'udp4' });
        services.udp = options.udpAdvertisePort === undefined ? endpoint : advertising(endpoint, options.udpAdvertisePort);
        services.udpEndpoint = endpoint;
      } catch (err) {
        void listener.close(); // not awaited: a connection accepted meanwhile would hold it open
        await hashes.close();
        await log.close();
        if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
          throw new FerryError(ErrorCode.BadRequest, `UDP port ${udpPort} on ${host} is already in use (use --udp-port)`);
        throw err;
      }
    }
    const server = new FerryServer(listener, services, host, boundAddress, port, options, identity?.fingerprint);
    server.peers.listen(listener);
    if (options.startHashWorkers !== false) hashes.startWorkers();
    return server;
  }

  /**
   * Stop accepting, tell every client the server is going away, let in-flight
   * requests finish within the grace period, abort the rest, then close.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.stopCleanup.abort();
      this.services.watches.close();
      this.peers.refuseNew();
      const stopped = this.listener.close();
      const grace = this.options.shutdownGraceMs ?? 5000;
      const peers = this.peers.all();
      const sessions = peers.flatMap((p) => (p.session ? [p.session] : []));
      const drained = Promise.allSettled(sessions.map((s) => s.drain()));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), grace)));
      if ((await Promise.race([drained, timedOut])) === 'timeout') {
        for (const s of sessions) s.abortAll();
        await drained;
      }
      clearTimeout(timer);
      for (const peer of peers) {
        if (peer.conn) peer.conn.end();
        else peer.incoming.destroy(); // still in its TLS handshake
      }
      // Give well-behaved clients a moment to close their side, then force it.
      const forced = setTimeout(() => peers.forEach((p) => (p.conn?.destroy(), p.incoming.destroy())), 1000);
      await stopped;
      clearTimeout(forced);
      await this.staleUploadsCleaned;
      await this.services.udpEndpoint?.close();
      await this.services.hashes.close();
      await this.services.log.close();
    })();
    return this.closing;
  }
}
