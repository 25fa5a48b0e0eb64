// Client side of a UDP download: drives the pure UdpReceiver over a
// connected dgram socket and hands every chunk to a sink as it arrives (the
// client's landing place, which writes, checks and records it).
//
//   const result = await receiveFile({
//     host, port, sessionId,          // from the server's TCP reply; sessionId is 16 hex digits
//     size, chunkSize, sink,          // sink: add(position, bytes), backlogBytes, onDrain
//     startChunk,                     // resume: chunks below this are not sent again
//     onProgress, signal,
//     macKey,                         // TLS: the connection's udpKey(sessionId); the server must use it too
//   })
//   // → { bytes, seconds, stats: { datagramsSent, datagramsRetransmitted, lossPercent,
//   //     datagramBytes, datagramsReceived, duplicates, corrupt, forged, foreign, acksSent } }
//   // rejects FerryError: TIMEOUT (no progress for idleTimeoutMs), CANCELLED (signal),
//   // BAD_REQUEST (a shape UDP cannot carry).
//   // onProgress({ bytes, total, datagramsReceived }) at most every 100 ms, once at the end,
//   // and once more on failure.
//
// The receiver resolves once every chunk has arrived; the sink's backlog
// (bytes taken but not yet written) shrinks the window it advertises. After
// completing, the socket lingers (unref'd) to re-acknowledge retransmissions
// in case our last ACKs were lost. The chunk size comes from chooseChunkSize()
// in protocol/udp-packet.ts (60 KiB on loopback, 1,400 B elsewhere).

import { type Socket, createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import {
  DATA_HEADER_BYTES,
  MAC_BYTES,
  chunkCount,
  decodeUdp,
  encodeAck,
  parseSessionId,
  transferShapeError,
  usableReceiveBuffer,
} from '../protocol/udp-packet.js';
import { type ReceiverAction, UdpReceiver } from '../protocol/udp-receiver.js';
import { DeadlineTimer } from './deadline-timer.js';
import { setBuffers } from './udp-endpoint.js';

export interface UdpProgress {
  bytes: number; // held without a gap so far, including a resumed prefix
  total: number;
  datagramsReceived: number;
}

/** Where received bytes go (the client's landing place). */
export interface ReceiveSink {
  /** The bytes of the file at `position`, each chunk once, in arrival order. */
  add(position: number, data: Buffer): void;
  /** Bytes taken but not yet written: the window advertised shrinks while this grows. */
  readonly backlogBytes: number;
  /** Set by the receiver: call it when the backlog shrinks. */
  onDrain: (() => void) | undefined;
}

export interface ReceiveFileOptions {
  host: string;
  port: number;
  sessionId: string | bigint;
  size: number;
  chunkSize: number;
  sink: ReceiveSink;
  startChunk?: number;
  onProgress?: (p: UdpProgress) => void;
  signal?: AbortSignal;
  idleTimeoutMs?: number;
  /** Memory for out-of-order chunks and the write backlog (default 24 MiB). */
  windowBytes?: number;
  receiveBufferBytes?: number;
  /** After completing, keep re-acknowledging until the server is quiet this long (default 5 s). */
  lingerMs?: number;
  /** The session's MAC key (TLS: udpKeyFrom): DATA must carry its tag, ACKs get one. */
  macKey?: Buffer;
}

export interface ReceiveStats {
  datagramsSent: number; // by the server, as seen from its packet numbers
  datagramsRetransmitted: number;
  lossPercent: number;
  datagramBytes: number;
  datagramsReceived: number;
  duplicates: number;
  corrupt: number;
  /** Intact but with a wrong MAC tag: not sent by the server. */
  forged: number;
  foreign: number;
  acksSent: number;
}

export interface ReceiveFileResult {
  bytes: number; // received in this session (excludes a resumed prefix)
  seconds: number;
  stats: ReceiveStats;
}

const PROGRESS_INTERVAL_MS = 100;

export async function receiveFile(options: ReceiveFileOptions): Promise<ReceiveFileResult> {
  const id = typeof options.sessionId === 'bigint' ? options.sessionId : parseSessionId(options.sessionId);
  if (id === null) throw new FerryError(ErrorCode.BadRequest, 'session id must be 16 lower-case hex digits');
  const shape = transferShapeError(options.size, options.chunkSize, options.startChunk);
  if (shape) throw new FerryError(ErrorCode.BadRequest, shape);
  if (options.signal?.aborted) throw new FerryError(ErrorCode.Cancelled, 'download cancelled');
  return new Reception(options, id).result;
}

class Reception {
  readonly result: Promise<ReceiveFileResult>;
  private readonly total: number;
  private readonly start: number;
  private socket: Socket | null = null;
  private receiver: UdpReceiver | null = null;
  private readonly wake = new DeadlineTimer(() => this.pump());
  private immediate: NodeJS.Immediate | null = null;
  private backlogGrew = false;
  private completed = false;
  private settled = false;
  private corrupt = 0;
  private forged = 0;
  private foreign = 0;
  private lastProgress = 0;
  private lastDatagram = 0;
  private readonly t0 = performance.now();
  private resolve!: (r: ReceiveFileResult) => void;
  private reject!: (e: Error) => void;

  constructor(
    private readonly o: ReceiveFileOptions,
    private readonly id: bigint,
  ) {
    this.total = chunkCount(o.size, o.chunkSize);
    this.start = Math.min(o.startChunk ?? 0, this.total);
    this.result = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    o.signal?.addEventListener('abort', this.onAbort, { once: true });
    o.sink.onDrain = () => this.backlogChanged();
    if (this.start >= this.total) {
      this.completed = true; // nothing to fetch: an empty file, or a resume that already has it all
      queueMicrotask(() => this.maybeFinish());
    } else {
      this.open().catch((e: Error) => this.fail(e));
    }
  }

  private onAbort = (): void => this.fail(new FerryError(ErrorCode.Cancelled, 'download cancelled'));

  private async open(): Promise<void> {
    const socket = createSocket(isIPv6(this.o.host) ? 'udp6' : 'udp4');
    this.socket = socket;
    socket.on('error', () => {}); // ICMP errors on a connected socket: treated as loss
    await new Promise<void>((resolve) => socket.bind(0, resolve));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(this.o.port, this.o.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    if (this.settled) return void socket.close();
    setBuffers(socket, 256 * 1024, this.o.receiveBufferBytes ?? 4 * 1024 * 1024);
    // What the buffer holds in datagrams of this size, not in bytes: tiny datagrams cost far more than their length.
    const datagram = this.o.chunkSize + DATA_HEADER_BYTES + (this.o.macKey ? MAC_BYTES : 0);
    const receiveBuffer = usableReceiveBuffer(socket.getRecvBufferSize(), datagram);
    this.receiver = new UdpReceiver(
      {
        sessionId: this.id,
        size: this.o.size,
        chunkSize: this.o.chunkSize,
        startChunk: this.start,
        windowBytes: this.o.windowBytes,
        receiveBuffer,
        idleTimeoutMs: this.o.idleTimeoutMs,
      },
      performance.now(),
    );
    socket.on('message', (msg) => this.onMessage(msg));
    this.pump();
  }

  private onMessage(msg: Buffer): void {
    const r = this.receiver!;
    this.lastDatagram = performance.now();
    const decoded = decodeUdp(msg, this.o.macKey);
    if (!decoded.ok) {
      if (decoded.reason === 'mac') this.forged++;
      else this.corrupt++;
      return;
    }
    const p = decoded.packet;
    if (p.type !== 'data' || p.sessionId !== this.id) return void this.foreign++;
    for (const a of r.onData(p, performance.now())) this.act(a);
    this.soon();
    const now = performance.now();
    if (this.o.onProgress && now - this.lastProgress >= PROGRESS_INTERVAL_MS) {
      this.lastProgress = now;
      this.o.onProgress(this.progress());
    }
  }

  private progress(): UdpProgress {
    const held = this.receiver ? this.receiver.contiguousChunks : this.start;
    return {
      bytes: Math.min(this.o.size, held * this.o.chunkSize),
      total: this.o.size,
      datagramsReceived: this.receiver?.stats.datagramsReceived ?? 0,
    };
  }

  private act(a: ReceiverAction): void {
    switch (a.type) {
      case 'write':
        this.o.sink.add(a.position, a.data);
        this.backlogGrew = true;
        return;
      case 'hash':
        return; // the sink checks every chunk itself, in any order
      case 'ack':
        if (this.socket) this.socket.send(encodeAck(a.ack, this.o.macKey));
        return;
      case 'timer':
        return this.schedule(a.at);
      case 'complete':
        this.completed = true;
        return this.maybeFinish();
      case 'fail':
        return this.fail(new FerryError(ErrorCode.Timeout, `UDP download stalled: ${a.reason}`));
    }
  }

  private backlogChanged(): void {
    if (!this.receiver || this.settled) return;
    this.receiver.onBacklog(this.o.sink.backlogBytes, performance.now());
    this.soon();
  }

  private soon(): void {
    // After completion we still run, to re-acknowledge retransmissions while lingering.
    if (this.immediate || (this.settled && !this.completed) || !this.socket) return;
    this.immediate = setImmediate(() => {
      this.immediate = null;
      this.pump();
    });
  }

  private schedule(at: number): void {
    const now = performance.now();
    if (at <= now) return this.soon();
    this.wake.set(at, now);
    // Lingering after completion must not keep the process alive.
    if (this.completed) this.wake.unref();
  }

  private pump(): void {
    if (!this.receiver || (this.settled && !this.completed)) return;
    // Once a turn at most: the window is recomputed (and an ACK may be due) only when the backlog moved.
    if (this.backlogGrew) {
      this.backlogGrew = false;
      this.backlogChanged();
    }
    for (const a of this.receiver.poll(performance.now())) this.act(a);
  }

  private maybeFinish(): void {
    if (!this.completed || this.settled) return;
    this.settled = true;
    this.o.onProgress?.(this.progress());
    this.linger();
    this.resolve({
      bytes: this.o.size - Math.min(this.o.size, this.start * this.o.chunkSize),
      seconds: (performance.now() - this.t0) / 1000,
      stats: this.stats(),
    });
  }

  private stats(): ReceiveStats {
    const s = this.receiver?.stats;
    const sent = s ? s.largestPacket + 1 : 0;
    const received = s ? s.datagramsReceived : 0;
    return {
      datagramsSent: sent,
      datagramsRetransmitted: Math.max(0, sent - (this.total - this.start)),
      lossPercent: sent > 0 ? Math.max(0, (100 * (sent - received)) / sent) : 0,
      datagramBytes: this.o.chunkSize + DATA_HEADER_BYTES + (this.o.macKey ? MAC_BYTES : 0),
      datagramsReceived: received,
      duplicates: s?.duplicates ?? 0,
      corrupt: this.corrupt,
      forged: this.forged,
      foreign: this.foreign,
      acksSent: s?.acksSent ?? 0,
    };
  }

  /**
   * Keep answering (unref'd) until the server has been quiet for lingerMs, so
   * a lost final ACK does not leave it probing: its probe interval backs off
   * to 2 s, so the default quiet period is longer than that.
   */
  private linger(): void {
    this.o.signal?.removeEventListener('abort', this.onAbort);
    const socket = this.socket;
    if (!socket) return;
    socket.unref();
    const quiet = this.o.lingerMs ?? 5000;
    const until = performance.now() + 10 * quiet;
    const check = (): void => {
      const now = performance.now();
      const idle = now - this.lastDatagram;
      if (idle >= quiet || now >= until) return this.closeSocket();
      setTimeout(check, quiet - idle).unref();
    };
    setTimeout(check, quiet).unref();
  }

  private closeSocket(): void {
    this.wake.clear();
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = null;
    this.receiver = null;
    const s = this.socket;
    this.socket = null;
    if (s) s.close();
  }

  private fail(e: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.completed = false;
    this.o.signal?.removeEventListener('abort', this.onAbort);
    const last = this.progress(); // the last word on what is durable, for a resume record
    this.closeSocket();
    this.o.onProgress?.(last);
    this.reject(e);
  }
}
