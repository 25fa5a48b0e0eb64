// The server's one UDP socket. It demultiplexes ACKs to sessions by their
// 64-bit id and drops (and counts) everything else: unknown sessions, the
// wrong source address, bad checksums, DATA sent to the server. Nothing that
// arrives is ever answered directly, so the socket cannot be used to amplify.
//
//   const endpoint = await UdpEndpoint.bind({ host: '0.0.0.0', port: 0 })
//     (a server listening on '::' wants { type: 'udp6', host: '::' }: it serves IPv4 clients too)
//   const sessionId = newSessionId()          // 16 hex digits, sent to the client over TCP
//   const session = endpoint.openSession({ sessionId, clientAddress: tcpSocket.remoteAddress,
//                                          file, size, chunkSize, startChunk, macKey })
//     (macKey: over TLS, udpKeyFrom(tlsSocket, sessionId) from tls.ts; ACKs must then carry its tag)
//   reply over TCP with { sessionId, port: session.port, chunkSize, size, md5 }
//   const result = await session.done         // see udp-sender.ts
//   (or: const { sessionId, port, done } = await endpoint.open({ clientHost, file, size,
//         startChunk, chunkSize, signal }) — the ServerServices.udp shape; done → stats)
//   endpoint.stats                            // drop counters
//   await endpoint.close()                    // closes every session (CANCELLED) and the socket

import { randomBytes } from 'node:crypto';
import { type Socket, createSocket } from 'node:dgram';
import type { FileHandle } from 'node:fs/promises';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import { decodeUdp, parseSessionId, peekSessionId, transferShapeError } from '../protocol/udp-packet.js';
import type { UdpSenderStats } from '../protocol/udp-sender.js';
import { UdpSendSession, type UdpSessionOptions } from './udp-sender.js';

export interface UdpEndpointOptions {
  host?: string;
  port?: number;
  type?: 'udp4' | 'udp6';
  /** Kernel socket buffers; large ones keep bursts of 60 KB datagrams from being dropped. */
  sendBufferBytes?: number;
  receiveBufferBytes?: number;
}

export interface UdpEndpointStats {
  unknownSession: number;
  wrongAddress: number;
  badChecksum: number;
  /** Intact datagrams for a keyed session whose MAC tag is wrong: forged, or keyed with another session's key. */
  badMac: number;
  malformed: number;
  unexpected: number; // well-formed, but not an ACK
  acks: number;
}

export interface UdpServerSession {
  readonly port: number;
  readonly sessionId: bigint;
  readonly done: UdpSendSession['done'];
  readonly stats: UdpSendSession['stats'];
  /** How much of the file the session holds in memory (see UdpReadBuffers). */
  readonly buffers: UdpSendSession['buffers'];
  close(): void;
}

/** A fresh random session id, as 16 hex digits. */
export function newSessionId(): string {
  return randomBytes(8).toString('hex');
}

export class UdpEndpoint {
  readonly stats: UdpEndpointStats = { unknownSession: 0, wrongAddress: 0, badChecksum: 0, badMac: 0, malformed: 0, unexpected: 0, acks: 0 };
  private readonly sessions = new Map<bigint, UdpSendSession>();

  private constructor(private readonly socket: Socket) {
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo.address, rinfo.port));
    // Errors on an unconnected UDP socket are per-datagram (e.g. ICMP); sessions recover by timeout.
    socket.on('error', () => {});
  }

  static async bind(options: UdpEndpointOptions = {}): Promise<UdpEndpoint> {
    const socket = createSocket({ type: options.type ?? 'udp4', reuseAddr: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port ?? 0, options.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    setBuffers(socket, options.sendBufferBytes ?? 4 * 1024 * 1024, options.receiveBufferBytes ?? 1024 * 1024);
    return new UdpEndpoint(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  openSession(options: UdpSessionOptions): UdpServerSession {
    const id = typeof options.sessionId === 'bigint' ? options.sessionId : parseSessionId(options.sessionId);
    if (id === null) throw new FerryError(ErrorCode.BadRequest, 'session id must be 16 lower-case hex digits');
    if (this.sessions.has(id)) throw new FerryError(ErrorCode.Internal, 'UDP session id already in use');
    const shape = transferShapeError(options.size, options.chunkSize, options.startChunk);
    if (shape) throw new FerryError(ErrorCode.BadRequest, shape);
    const session = new UdpSendSession({ ...options, sessionId: id }, this.socket, (s) => this.sessions.delete(s.sessionId));
    this.sessions.set(id, session);
    const port = this.port;
    return {
      port,
      sessionId: id,
      done: session.done,
      get stats() {
        return session.stats;
      },
      get buffers() {
        return session.buffers;
      },
      close: () => session.close(),
    };
  }

  /**
   * The shape the server's request handlers use (ServerServices.udp): a fresh
   * random session id, and `signal` (the TCP request's) ends the session.
   */
  async open(options: {
    clientHost: string;
    file: FileHandle;
    size: number;
    startChunk: number;
    chunkSize: number;
    signal: AbortSignal;
    idleTimeoutMs?: number;
    /** The MAC key for the new session's id (TLS: `(id) => udpKeyFrom(socket, id)`); none means CRC only. */
    macKeyFor?: (sessionId: string) => Buffer;
  }): Promise<{ sessionId: string; port: number; done: Promise<UdpSenderStats> }> {
    if (options.signal.aborted) throw new FerryError(ErrorCode.Cancelled, 'request cancelled');
    const sessionId = newSessionId();
    const { signal, clientHost, macKeyFor, ...rest } = options;
    const macKey = macKeyFor?.(sessionId);
    const session = this.openSession({ ...rest, sessionId, clientAddress: clientHost, ...(macKey ? { macKey } : {}) });
    const stop = (): void => session.close();
    signal.addEventListener('abort', stop, { once: true });
    const done = session.done.then((r) => r.stats).finally(() => signal.removeEventListener('abort', stop));
    done.catch(() => {}); // the caller may never wait on it: no unhandled rejection
    return { sessionId, port: session.port, done };
  }

  private onMessage(msg: Buffer, address: string, port: number): void {
    // The session (found by its id, unverified) says which key the tag must match;
    // nothing about the datagram is believed until it does.
    const id = peekSessionId(msg);
    const session = id === null ? undefined : this.sessions.get(id);
    const decoded = decodeUdp(msg, session?.macKey);
    if (!decoded.ok) {
      if (decoded.reason === 'checksum') this.stats.badChecksum++;
      else if (decoded.reason === 'mac') this.stats.badMac++;
      else this.stats.malformed++;
      return;
    }
    const p = decoded.packet;
    if (!session) return void this.stats.unknownSession++;
    if (!session.accepts(address, port)) return void this.stats.wrongAddress++;
    if (p.type !== 'ack') return void this.stats.unexpected++;
    this.stats.acks++;
    session.onAck(p);
  }

  async close(): Promise<void> {
    for (const s of [...this.sessions.values()]) s.close();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }
}

/** Ask for big kernel buffers; the kernel clamps to its maximum (net.core.[rw]mem_max). */
export function setBuffers(socket: Socket, send: number, receive: number): void {
  try {
    socket.setSendBufferSize(send);
  } catch {
    /* keep the default */
  }
  try {
    socket.setRecvBufferSize(receive);
  } catch {
    /* keep the default */
  }
}
