// A framed TCP connection: the one place where frames meet a socket.
// Both ends use it. Writes report backpressure (send() returns false and
// drained() waits), reads can be paused by a slow consumer, and a framing
// error closes the connection after one coded ERROR frame. The socket stays
// inside: callers get what they need of it as methods (remoteAddress, queued
// bytes, pause/resume, the TLS session's UDP keys).

import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import { encodeFrameParts, FrameDecoder, type Frame } from '../protocol/frame.js';
import { Kind } from '../protocol/messages.js';
import { udpKeyFrom } from './tls.js';

export interface FrameConnectionEvents {
  frame: [Frame];
  /** The peer broke framing; the connection is being closed. */
  protocolError: [FerryError];
  close: [Error | undefined];
}

/**
 * Socket options that read without allocating: into the rest of the frame
 * body being filled when a large one is (no copy at all: a 1 MiB DATA frame
 * arrives straight in the memory the landing place writes from), otherwise
 * into one fixed buffer of `bytes`, whose contents are copied into frames.
 * Pass the result to net.connect and hand the FrameConnection to `attach`.
 */
export function readInto(bytes = 64 * 1024): {
  onread: { buffer: () => Buffer; callback: (n: number, buf: Buffer) => boolean };
  attach: (conn: FrameConnection) => void;
} {
  let target: FrameConnection | undefined;
  const scratch = Buffer.allocUnsafeSlow(bytes);
  return {
    onread: {
      // Called before each read for the memory it fills; the callback gets that memory back.
      buffer: () => target?.readTarget() ?? scratch,
      callback: (n, buf) => {
        if (buf === scratch) target?.feed(buf.subarray(0, n));
        else target?.filled(n);
        return true;
      },
    },
    attach: (conn) => (target = conn),
  };
}

/** A body with fewer bytes than this left is read through the fixed buffer (see readInto). */
const DIRECT_READ_MIN_BYTES = 16 * 1024;

export class FrameConnection extends EventEmitter<FrameConnectionEvents> {
  /** The peer as address:port, for logs and messages. */
  readonly remote: string;
  readonly #socket: Socket;
  private readonly decoder: FrameDecoder;
  private closed = false;
  private closeError: Error | undefined;
  private drainWaiter: Promise<void> | undefined;
  bytesIn = 0;
  bytesOut = 0;

  constructor(socket: Socket, options: { maxFrameBytes?: number; allocate?: (bytes: number) => Buffer; growBodies?: boolean } = {}) {
    super();
    this.#socket = socket;
    this.decoder = new FrameDecoder(options.maxFrameBytes, options.allocate, { grow: options.growBodies ?? false });
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.setNoDelay(true);
    // Sockets created with a fixed read buffer (`onread`, see readInto) emit no
    // 'data'; they call feed() instead.
    socket.on('data', (chunk: Buffer) => this.feed(chunk));
    socket.on('error', (err) => {
      this.closeError ??= err;
    });
    socket.on('close', () => {
      this.closed = true;
      this.emit('close', this.closeError);
    });
  }

  /** The peer's IP address (undefined once the socket is gone). */
  get remoteAddress(): string | undefined {
    return this.#socket.remoteAddress;
  }

  /** True over TLS: the connection then has UDP session keys to give (`udpKey`). */
  get secure(): boolean {
    return this.#socket instanceof TLSSocket;
  }

  /**
   * The MAC key for one UDP session, derived from this connection's TLS
   * session (see tls.ts udpKeyFrom): both ends get the same key for the same
   * id. Undefined over plain TCP, where UDP datagrams carry a CRC only.
   */
  udpKey(sessionId: string | bigint): Buffer | undefined {
    return this.#socket instanceof TLSSocket ? udpKeyFrom(this.#socket, sessionId) : undefined;
  }

  /** Bytes queued in user space for the peer: sent, not yet taken by the kernel. */
  get queuedBytes(): number {
    return this.#socket.writableLength;
  }

  /** True when the last send() filled the socket's buffer and it has not drained since. */
  get needsDrain(): boolean {
    return this.#socket.writableNeedDrain;
  }

  get isClosed(): boolean {
    return this.closed || this.#socket.destroyed;
  }

  /**
   * Queue one frame. Returns false when the socket's buffer is full: wait for
   * drained(). `released` is called once the socket no longer needs the
   * payload's memory (it was written, or the connection is gone), so the
   * caller may reuse it.
   */
  send(kind: number, id: number, header?: object, payload?: Buffer, released?: () => void): boolean {
    if (this.isClosed) {
      released?.();
      return false;
    }
    const [head, body] = encodeFrameParts(kind, id, header, payload);
    this.bytesOut += head.length + body.length;
    if (body.length === 0) return this.#socket.write(head, () => released?.());
    // cork + two writes becomes one writev: the payload is never copied.
    this.#socket.cork();
    this.#socket.write(head);
    const ok = this.#socket.write(body, () => released?.());
    this.#socket.uncork();
    return ok;
  }

  /**
   * Resolves once the socket can take more data (immediately if it already
   * can). Every caller waiting for the same drain shares one promise and one
   * pair of socket listeners, so 20 downloads on a connection add 2, not 40.
   */
  drained(): Promise<void> {
    if (this.isClosed) return Promise.reject(new FerryError(ErrorCode.ConnectionLost, 'connection closed'));
    if (!this.#socket.writableNeedDrain) return Promise.resolve();
    this.drainWaiter ??= new Promise((resolve, reject) => {
      const done = () => {
        this.#socket.off('drain', done);
        this.#socket.off('close', done);
        this.drainWaiter = undefined;
        if (this.isClosed) reject(new FerryError(ErrorCode.ConnectionLost, 'connection closed'));
        else resolve();
      };
      this.#socket.on('drain', done);
      this.#socket.on('close', done);
    });
    return this.drainWaiter;
  }

  /**
   * Send a stream as DATA frames for request `id`, then END: each chunk waits
   * for the socket to drain, so a file is never read faster than it leaves.
   * `onChunk` hears the bytes sent so far. Stops (without END) when the
   * connection closes or `stop()` says so; rejects if reading the source fails.
   */
  async sendStream(id: number, chunks: AsyncIterable<Buffer>, options: { onChunk?: (sent: number) => void; stop?: () => boolean } = {}): Promise<void> {
    let sent = 0;
    for await (const chunk of chunks) {
      if (this.isClosed || options.stop?.()) return;
      if (!this.send(Kind.Data, id, undefined, chunk)) await this.drained();
      sent += chunk.length;
      options.onChunk?.(sent);
    }
    this.send(Kind.End, id);
  }

  /** Bytes of a partial frame received so far, and the memory held for it. */
  get partialFrame(): { received: number; reserved: number } {
    return { received: this.decoder.pending, reserved: this.decoder.reserved };
  }

  /** Change the largest frame accepted from the peer (the server raises it after the handshake). */
  set maxFrameBytes(bytes: number) {
    this.decoder.maxFrameBytes = bytes;
  }

  /** Stop reading from the socket (the kernel then pushes back on the sender). */
  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  /** Half-close after everything queued is written. */
  end(): void {
    if (!this.isClosed) this.#socket.end();
  }

  destroy(err?: Error): void {
    if (err) this.closeError ??= err;
    this.#socket.destroy();
  }

  /** Bytes read from the socket. The decoder copies them, so `chunk` may be reused afterwards. */
  feed(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    this.deliver(() => this.decoder.push(chunk));
  }

  /** Memory the next read may fill directly (see readInto), or undefined. */
  readTarget(): Buffer | undefined {
    return this.isClosed ? undefined : this.decoder.readTarget(DIRECT_READ_MIN_BYTES);
  }

  /** `n` bytes were read into the memory readTarget() gave. */
  filled(n: number): void {
    this.bytesIn += n;
    this.deliver(() => this.decoder.filled(n));
  }

  private deliver(decode: () => Frame[]): void {
    let frames: Frame[];
    try {
      frames = decode();
    } catch (err) {
      const error = err instanceof FerryError ? err : new FerryError(ErrorCode.BadFrame, String(err));
      this.emit('protocolError', error);
      // Tell the peer why, then close: a broken stream cannot be resynchronised.
      this.send(Kind.Error, 0, { code: error.code, message: error.message });
      this.#socket.pause();
      this.#socket.end();
      // A peer that never closes its side must not hold the socket open.
      setTimeout(() => this.#socket.destroy(), 1000).unref();
      return;
    }
    for (const frame of frames) {
      if (this.isClosed) return;
      this.emit('frame', frame);
    }
  }
}
