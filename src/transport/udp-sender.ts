// Server side of a UDP download: drives the pure UdpSender for one session.
// Sessions are created by UdpEndpoint.openSession (udp-endpoint.ts), which
// owns the socket and hands this driver the ACKs meant for it.
//
//   const session = endpoint.openSession({ sessionId, clientAddress, file, size, chunkSize, startChunk })
//   session.port            // UDP port to tell the client over TCP
//   await session.done      // → UdpSendResult once every chunk is acknowledged;
//                           //   rejects FerryError(TIMEOUT) after idleTimeoutMs without progress
//   session.close()         // stop now (client gave up, TCP connection closed, verdict received)
//
// Nothing is sent, and nothing is read from the file, until the client's
// first ACK arrives from clientAddress: the session id alone never makes the
// server send data anywhere or hold any of the file.
// The file is read in blocks of 1 MiB as the window opens, up to the
// engine's readAheadLimit (one congestion window past the sending point,
// within the receiver's window); a block is dropped once all its chunks are
// acknowledged. `buffers` reports what a session holds.

import type { Socket } from 'node:dgram';
import type { FileHandle } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import type { AckPacket } from '../protocol/udp-packet.js';
import { encodeDataHeader, macTag } from '../protocol/udp-packet.js';
import { type SenderAction, UdpSender, type UdpSenderStats } from '../protocol/udp-sender.js';
import { DeadlineTimer } from './deadline-timer.js';

export interface UdpSessionOptions {
  /** 16 hex digits (as sent over TCP) or the number itself. */
  sessionId: string | bigint;
  /** The client's IP as the TCP connection saw it; UDP from any other address is dropped. */
  clientAddress: string;
  file: FileHandle;
  size: number;
  chunkSize: number;
  startChunk?: number;
  /** RTT seen on the TCP connection, if known: a better first guess than 50 ms. */
  initialRttMs?: number;
  idleTimeoutMs?: number;
  /**
   * The session's MAC key (TLS: udpKeyFrom). Each DATA then carries a tag,
   * and the endpoint drops ACKs whose tag is wrong before they can pin the
   * client's port or move the transfer.
   */
  macKey?: Buffer;
}

/** What a session holds of the file in memory: the read-ahead's footprint. */
export interface UdpReadBuffers {
  /** Bytes read from the file so far (a block read twice counts twice). */
  fileBytesRead: number;
  /** Bytes of read blocks (and reads under way) the session holds now, recycled spares included. */
  bufferedBytes: number;
  /** The most `bufferedBytes` has been. */
  peakBufferedBytes: number;
}

export interface UdpSendResult {
  sessionId: string;
  bytes: number;
  seconds: number;
  stats: UdpSenderStats;
}

/**
 * File read unit. Reads follow the window in whole blocks, so a session holds
 * at most a block beyond each end of it, plus a spare: small enough to keep
 * that slack small (2 MiB blocks, three read at once, made every session hold
 * 6 MiB before its first ACK), large enough that reads cost little (512 KiB
 * blocks made 256 MiB downloads some 5 % slower here; 1 MiB ones did not).
 */
const BLOCK_BYTES = 1024 * 1024;
/**
 * Freed block buffers are kept for the next reads: after each read-ahead,
 * as many as cover the read-ahead distance (one window) plus this many.
 * ACKs free blocks in bursts while the pacer spreads the sends, and so the
 * reads, over the next round trip; without spares most reads allocated afresh
 * (a server's peak RSS rose by some 30 MB over a long transfer). When the
 * window stops, the spares go.
 */
const SPARE_BLOCKS = 1;
/** Sends handed to the kernel but not yet called back; beyond this we wait. */
const MAX_OUTSTANDING_SENDS = 256;

interface Block {
  /** Bytes of the file this block covers. */
  length: number;
  data: Buffer | null;
  ready: Promise<Buffer>;
  /** Datagrams handed to the kernel that still point into `data`. */
  sends: number;
  /** Every chunk acknowledged: the memory may be reused once `sends` is 0. */
  done: boolean;
}

export class UdpSendSession {
  readonly sessionId: bigint;
  readonly done: Promise<UdpSendResult>;
  readonly clientAddress: string;
  /** Where the client's datagrams come from: `address` as the socket reported it (what sends need). */
  peer: { address: string; port: number; normalised: string } | null = null;
  private readonly sender: UdpSender;
  private readonly blocks = new Map<number, Block>();
  private readonly blockChunks: number;
  private readonly started = performance.now();
  private readonly wake = new DeadlineTimer(() => this.pump());
  private immediate: NodeJS.Immediate | null = null;
  private outstanding = 0;
  /**
   * Block memory to reuse. Allocating 2 MiB per block left hundreds of
   * megabytes for the collector on a long transfer (server peak RSS 164-206 MB
   * for 2 GiB); recycled blocks keep it to what is in flight.
   */
  private readonly spare: Buffer[] = [];
  private waiting: { packetNumber: number; chunk: number }[] = [];
  private reading = false;
  private closed = false;
  private fileBytesRead = 0;
  private peakBufferedBytes = 0;
  private resolve!: (r: UdpSendResult) => void;
  private reject!: (e: Error) => void;

  constructor(
    private readonly options: UdpSessionOptions & { sessionId: bigint },
    private readonly socket: Socket,
    private readonly onClosed: (session: UdpSendSession) => void,
  ) {
    this.sessionId = options.sessionId;
    this.clientAddress = normaliseAddress(options.clientAddress);
    this.blockChunks = Math.max(1, Math.floor(BLOCK_BYTES / options.chunkSize));
    this.sender = new UdpSender(
      {
        size: options.size,
        chunkSize: options.chunkSize,
        startChunk: options.startChunk,
        initialRttMs: options.initialRttMs,
        idleTimeoutMs: options.idleTimeoutMs,
      },
      this.started,
    );
    this.done = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    this.done.catch(() => {}); // the caller may only close(); never an unhandled rejection
    this.pump();
  }

  get stats(): UdpSenderStats {
    return { ...this.sender.stats };
  }

  get buffers(): UdpReadBuffers {
    return { fileBytesRead: this.fileBytesRead, bufferedBytes: this.bufferedBytes(), peakBufferedBytes: this.peakBufferedBytes };
  }

  private bufferedBytes(): number {
    let bytes = 0;
    for (const block of this.blocks.values()) bytes += block.length;
    for (const buf of this.spare) bytes += buf.length;
    return bytes;
  }

  get macKey(): Buffer | undefined {
    return this.options.macKey;
  }

  /** Does a datagram from this address belong to the session? The first one from the client's IP pins its port. */
  accepts(address: string, port: number): boolean {
    const a = normaliseAddress(address);
    if (this.peer) return this.peer.normalised === a && this.peer.port === port;
    if (a !== this.clientAddress) return false;
    // Send back to the address exactly as it arrived: a dual-stack socket cannot send to a bare IPv4 string.
    this.peer = { address, port, normalised: a };
    return true;
  }

  onAck(ack: AckPacket): void {
    if (this.closed) return;
    this.sender.onAck(ack, performance.now());
    this.dropAcknowledgedBlocks();
    this.soon();
  }

  /** End the session now. Resolves `done` if everything was acknowledged, else rejects with CANCELLED. */
  close(): void {
    if (this.closed) return;
    if (this.sender.done) this.finish();
    else this.fail(new FerryError(ErrorCode.Cancelled, 'UDP session closed before the transfer finished'));
  }

  private soon(): void {
    if (this.immediate || this.closed) return;
    this.immediate = setImmediate(() => {
      this.immediate = null;
      this.pump();
    });
  }

  private schedule(at: number, now: number): void {
    if (at === Infinity || this.closed) return;
    if (at <= now) return this.soon();
    this.wake.set(at, now);
  }

  private pump(): void {
    if (this.closed || this.outstanding >= MAX_OUTSTANDING_SENDS) return;
    const now = performance.now();
    const actions = this.sender.poll(now);
    for (const a of actions) this.act(a, now);
    this.readAhead();
  }

  private act(a: SenderAction, now: number): void {
    switch (a.type) {
      case 'send':
        this.waiting.push({ packetNumber: a.packetNumber, chunk: a.chunk });
        return this.drain();
      case 'timer':
        return this.schedule(a.at, now);
      case 'done':
        return this.finish();
      case 'fail':
        return this.fail(new FerryError(ErrorCode.Timeout, `UDP transfer stalled: ${a.reason}`));
    }
  }

  /**
   * Send what the state machine handed out, strictly in packet-number order:
   * if a chunk is still being read from disk, later packets wait for it. Sent
   * out of order, a resend could overtake new data still on its way from
   * disk and make the receiver's ACK declare that data lost before it left.
   */
  private drain(): void {
    while (this.waiting.length > 0 && !this.closed) {
      const head = this.waiting[0]!;
      const data = this.chunkNow(head.chunk);
      if (!data) {
        if (this.reading) return;
        this.reading = true;
        this.chunkLater(head.chunk).then(
          () => {
            this.reading = false;
            this.drain();
          },
          (e: Error) => this.fail(e),
        );
        return;
      }
      this.waiting.shift();
      this.transmit(head.packetNumber, head.chunk, data);
    }
  }

  private transmit(packetNumber: number, chunk: number, data: Buffer): void {
    if (this.closed || !this.peer) return;
    const header = encodeDataHeader(this.sessionId, packetNumber, chunk, data);
    const key = this.options.macKey;
    const block = this.blocks.get(Math.floor(chunk / this.blockChunks));
    if (block) block.sends++;
    this.outstanding++;
    // Errors (ICMP unreachable, a full buffer) are just loss: the state machine repairs it.
    this.socket.send(key ? [header, data, macTag(key, header, data)] : [header, data], this.peer.port, this.peer.address, () => {
      if (block) {
        block.sends--;
        this.recycle(block);
      }
      this.outstanding--;
      if (this.outstanding === MAX_OUTSTANDING_SENDS / 2) this.soon();
    });
  }

  private chunkNow(chunk: number): Buffer | null {
    const b = Math.floor(chunk / this.blockChunks);
    const block = this.blocks.get(b);
    return block?.data ? this.slice(block.data, chunk, b) : null;
  }

  private async chunkLater(chunk: number): Promise<Buffer> {
    const b = Math.floor(chunk / this.blockChunks);
    return this.slice(await this.load(b).ready, chunk, b);
  }

  private slice(data: Buffer, chunk: number, b: number): Buffer {
    const start = (chunk - b * this.blockChunks) * this.options.chunkSize;
    return data.subarray(start, start + this.sender.chunkBytes(chunk));
  }

  private load(b: number): Block {
    const block = this.blocks.get(b);
    if (block) return block;
    const position = b * this.blockChunks * this.options.chunkSize;
    const length = Math.min(this.blockChunks * this.options.chunkSize, this.options.size - position);
    const ready = readFully(this.options.file, position, length, this.spare.pop());
    const created: Block = { length, data: null, ready, sends: 0, done: false };
    ready.then(
      (d) => (created.data = d),
      (e: Error) => this.fail(e),
    );
    this.blocks.set(b, created);
    this.fileBytesRead += length;
    this.peakBufferedBytes = Math.max(this.peakBufferedBytes, this.bufferedBytes());
    return created;
  }

  /** Read the blocks the window may soon need: from the next new chunk up to the engine's limit. */
  private readAhead(): void {
    if (this.closed) return;
    const next = this.sender.nextNewChunk;
    const limit = this.sender.readAheadLimit;
    this.trimSpare(next, limit);
    if (limit <= next) return;
    const last = Math.floor((limit - 1) / this.blockChunks);
    for (let b = Math.floor(next / this.blockChunks); b <= last; b++) this.load(b);
  }

  private dropAcknowledgedBlocks(): void {
    const below = this.sender.acknowledgedBelow;
    const dropped: Block[] = [];
    for (const [b, block] of this.blocks) {
      if ((b + 1) * this.blockChunks > below) continue;
      this.blocks.delete(b);
      block.done = true;
      dropped.push(block);
    }
    // Recycle only once all are out of the map, so each is judged against what is really still held.
    for (const block of dropped) this.recycle(block);
  }

  private recycle(block: Block): void {
    if (!block.done || block.sends > 0 || !block.data || this.closed) return;
    this.spare.push(block.data);
    block.data = null;
  }

  private trimSpare(next: number, limit: number): void {
    const keep = Math.ceil(Math.max(0, limit - next) / this.blockChunks) + SPARE_BLOCKS;
    if (this.spare.length > keep) this.spare.length = keep;
  }

  private stop(): void {
    this.closed = true;
    this.wake.clear();
    if (this.immediate) clearImmediate(this.immediate);
    this.blocks.clear();
    this.spare.length = 0;
    this.onClosed(this);
  }

  private finish(): void {
    if (this.closed) return;
    this.stop();
    const bytes = this.options.size - Math.min(this.options.startChunk ?? 0, this.sender.totalChunks) * this.options.chunkSize;
    this.resolve({
      sessionId: this.sessionId.toString(16).padStart(16, '0'),
      bytes: Math.max(0, bytes),
      seconds: (performance.now() - this.started) / 1000,
      stats: this.stats,
    });
  }

  private fail(err: Error): void {
    if (this.closed) return;
    this.stop();
    this.reject(err);
  }
}

async function readFully(file: FileHandle, position: number, length: number, spare?: Buffer): Promise<Buffer> {
  const buf = spare && spare.length >= length ? spare.subarray(0, length) : Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(buf, done, length - done, position + done).catch((e: Error) => {
      throw new FerryError(ErrorCode.Internal, `reading the file for UDP failed: ${e.message}`);
    });
    if (bytesRead === 0) throw new FerryError(ErrorCode.Changed, 'file became shorter while it was being sent');
    done += bytesRead;
  }
  return buf;
}

/**
 * One spelling per address for comparisons: IPv4 clients of a dual-stack
 * socket appear as ::ffff:a.b.c.d (compare as a.b.c.d), and an IPv6 address
 * cut from "[addr]:port" may keep its brackets.
 */
export function normaliseAddress(address: string): string {
  let a = address.toLowerCase();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
