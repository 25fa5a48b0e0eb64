// Client side of a UDP download: drives the pure UdpReceiver over a
// connected dgram socket, writes chunks in place into the .part file as they
// arrive, and feeds MD5 in order (in a worker thread for big files).
//
//   const result = await receiveFile({
//     host, port, sessionId,          // from the server's TCP reply; sessionId is 16 hex digits
//     size, chunkSize, partFile,      // partFile: a FileHandle opened for writing
//     startChunk,                     // resume: chunks below this are already in partFile
//     onProgress, signal,
//     macKey,                         // TLS: udpKeyFrom(tlsSocket, sessionId); the server must use it too
//   })
//   // → { md5, bytes, seconds, stats: { datagramsSent, datagramsRetransmitted, lossPercent,
//   //     datagramBytes, datagramsReceived, duplicates, corrupt, forged, foreign, acksSent } }
//   // rejects FerryError: TIMEOUT (no progress for idleTimeoutMs), CANCELLED (signal),
//   // BAD_REQUEST (a shape UDP cannot carry), NO_SPACE / INTERNAL (writing failed).
//   // onProgress({ bytes, total, durableBytes, durableChunks, datagramsReceived }) at most
//   // every 100 ms, once at the end, and once more on failure.
//
// The caller compares md5 with the one the server announced, fsyncs and
// renames; progress.durableChunks is the prefix already written, the next
// startChunk for a resume sidecar. On resume the held prefix is read back
// once to seed MD5 (Node cannot save a hash's state). After completing, the
// socket lingers (unref'd) to re-acknowledge retransmissions in case our last
// ACKs were lost. The chunk size comes from chooseChunkSize() in
// protocol/udp-packet.ts (60 KiB on loopback, 1,400 B elsewhere).

import { type Socket, createSocket } from 'node:dgram';
import type { FileHandle } from 'node:fs/promises';
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
import { InlineMd5, type Md5Sink, WorkerMd5 } from './udp-hash.js';
import { PartWriter } from './udp-part-writer.js';

export interface UdpProgress {
  bytes: number; // held so far, including a resumed prefix
  total: number;
  durableBytes: number; // prefix written without a gap: safe to record for resume
  durableChunks: number; // the same in chunks: the startChunk for a resume
  datagramsReceived: number;
}

export interface ReceiveFileOptions {
  host: string;
  port: number;
  sessionId: string | bigint;
  size: number;
  chunkSize: number;
  partFile: FileHandle;
  startChunk?: number;
  onProgress?: (p: UdpProgress) => void;
  signal?: AbortSignal;
  idleTimeoutMs?: number;
  /** Memory for out-of-order chunks and the write/hash backlog (default 24 MiB). */
  windowBytes?: number;
  receiveBufferBytes?: number;
  /** Hash in a worker thread (default: for files of 8 MiB or more). */
  hashInWorker?: boolean;
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
  md5: string;
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
  const useWorker = options.hashInWorker ?? options.size >= 8 * 1024 * 1024;
  const md5 = useWorker ? new WorkerMd5() : new InlineMd5();
  const run = new Reception(options, id, md5);
  try {
    return await run.result;
  } finally {
    md5.close();
  }
}

class Reception {
  readonly result: Promise<ReceiveFileResult>;
  private readonly total: number;
  private readonly start: number;
  private readonly writer: PartWriter;
  private socket: Socket | null = null;
  private receiver: UdpReceiver | null = null;
  private readonly wake = new DeadlineTimer(() => this.pump());
  private immediate: NodeJS.Immediate | null = null;
  private readonly hashQueue: { chunk: number; data: Buffer }[] = [];
  private prefixHashed = false;
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
    private readonly md5: Md5Sink,
  ) {
    this.total = chunkCount(o.size, o.chunkSize);
    this.start = Math.min(o.startChunk ?? 0, this.total);
    this.writer = new PartWriter(
      o.partFile,
      this.total,
      this.start,
      () => {
        this.flushHash();
        this.backlogChanged();
        this.maybeFinish();
      },
      (e) => this.fail(e),
    );
    this.result = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    o.signal?.addEventListener('abort', this.onAbort, { once: true });
    md5.onDrain = () => this.backlogChanged();
    this.seedPrefix().then(
      () => {
        this.prefixHashed = true;
        this.flushHash();
        this.maybeFinish();
      },
      (e: Error) => this.fail(e),
    );
    if (this.start >= this.total) {
      this.completed = true; // nothing to fetch: an empty file, or a resume that already has it all
    } else {
      this.open().catch((e: Error) => this.fail(e));
    }
  }

  private onAbort = (): void => this.fail(new FerryError(ErrorCode.Cancelled, 'download cancelled'));

  private async seedPrefix(): Promise<void> {
    const end = Math.min(this.start * this.o.chunkSize, this.o.size);
    const buf = Buffer.allocUnsafe(Math.min(1024 * 1024, end));
    for (let pos = 0; pos < end; ) {
      const { bytesRead } = await this.o.partFile.read(buf, 0, Math.min(buf.length, end - pos), pos);
      if (bytesRead === 0) throw new FerryError(ErrorCode.Changed, 'the partial download is shorter than its record says');
      this.md5.update(Buffer.from(buf.subarray(0, bytesRead)), true);
      pos += bytesRead;
    }
  }

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
      durableBytes: Math.min(this.o.size, this.writer.durableChunks * this.o.chunkSize),
      durableChunks: this.writer.durableChunks,
      datagramsReceived: this.receiver?.stats.datagramsReceived ?? 0,
    };
  }

  private act(a: ReceiverAction): void {
    switch (a.type) {
      case 'write':
        return this.write(a.chunk, a.position, a.data);
      case 'hash':
        this.hashQueue.push({ chunk: a.chunk, data: a.data });
        return this.flushHash();
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

  private write(chunk: number, position: number, data: Buffer): void {
    this.writer.add(chunk, position, data);
    this.soon(); // the writes of this event-loop turn go out together in pump()
  }

  /** Hash in order, and only chunks already written: their memory may move to the worker. */
  private flushHash(): void {
    if (!this.prefixHashed) return;
    let n = 0;
    while (n < this.hashQueue.length && this.writer.isWritten(this.hashQueue[n]!.chunk)) {
      this.md5.update(this.hashQueue[n]!.data, true);
      n++;
    }
    if (n > 0) this.hashQueue.splice(0, n);
  }

  private backlogChanged(): void {
    if (!this.receiver || this.settled) return;
    let queued = 0;
    for (const q of this.hashQueue) queued += q.data.length;
    this.receiver.onBacklog(this.writer.pendingBytes + queued + this.md5.backlog, performance.now());
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
    if (this.writer.flush()) this.backlogChanged();
    for (const a of this.receiver.poll(performance.now())) this.act(a);
  }

  private maybeFinish(): void {
    if (!this.completed || this.settled || !this.prefixHashed || this.writer.pending > 0 || this.hashQueue.length > 0) return;
    this.settled = true;
    this.o.onProgress?.(this.progress());
    this.md5.digest().then(
      (md5) => {
        this.linger();
        this.resolve({
          md5,
          bytes: this.o.size - Math.min(this.o.size, this.start * this.o.chunkSize),
          seconds: (performance.now() - this.t0) / 1000,
          stats: this.stats(),
        });
      },
      (e: Error) => this.reject(e),
    );
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
