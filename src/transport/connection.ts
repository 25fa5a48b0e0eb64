// A framed TCP connection: the one place where frames meet a socket.
// Both ends use it. Writes report backpressure (send() returns false and
// drained() waits), reads can be paused by a slow consumer, and a framing
// error closes the connection after one coded ERROR frame.

import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import { encodeFrameParts, FrameDecoder, type Frame } from '../protocol/frame.js';
import { Kind } from '../protocol/messages.js';

export interface FrameConnectionEvents {
  frame: [Frame];
  /** The peer broke framing; the connection is being closed. */
  protocolError: [FerryError];
  close: [Error | undefined];
}

/**
 * Socket options that read into one fixed buffer instead of allocating a new
 * one per read: fewer, larger reads and no garbage on a fast download. Pass
 * the result to net.connect and hand the FrameConnection to `attach`.
 */
export function readInto(bytes = 1024 * 1024): {
  onread: { buffer: Buffer; callback: (n: number, buf: Buffer) => boolean };
  attach: (conn: FrameConnection) => void;
} {
  let target: FrameConnection | undefined;
  return {
    onread: {
      buffer: Buffer.allocUnsafeSlow(bytes),
      callback: (n, buf) => {
        target?.feed(buf.subarray(0, n));
        return true;
      },
    },
    attach: (conn) => (target = conn),
  };
}

export class FrameConnection extends EventEmitter<FrameConnectionEvents> {
  readonly remote: string;
  private readonly decoder: FrameDecoder;
  private closed = false;
  private closeError: Error | undefined;
  private drainWaiter: Promise<void> | undefined;
  bytesIn = 0;
  bytesOut = 0;

  constructor(
    readonly socket: Socket,
    options: { maxFrameBytes?: number; allocate?: (bytes: number) => Buffer; growBodies?: boolean } = {},
  ) {
    super();
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

  get isClosed(): boolean {
    return this.closed || this.socket.destroyed;
  }

  /** Queue one frame. Returns false when the socket's buffer is full: wait for drained(). */
  send(kind: number, id: number, header?: object, payload?: Buffer): boolean {
    if (this.isClosed) return false;
    const [head, body] = encodeFrameParts(kind, id, header, payload);
    this.bytesOut += head.length + body.length;
    if (body.length === 0) return this.socket.write(head);
    // cork + two writes becomes one writev: the payload is never copied.
    this.socket.cork();
    this.socket.write(head);
    const ok = this.socket.write(body);
    this.socket.uncork();
    return ok;
  }

  /**
   * Resolves once the socket can take more data (immediately if it already
   * can). Every caller waiting for the same drain shares one promise and one
   * pair of socket listeners, so 20 downloads on a connection add 2, not 40.
   */
  drained(): Promise<void> {
    if (this.isClosed) return Promise.reject(new FerryError(ErrorCode.ConnectionLost, 'connection closed'));
    if (!this.socket.writableNeedDrain) return Promise.resolve();
    this.drainWaiter ??= new Promise((resolve, reject) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        this.drainWaiter = undefined;
        if (this.isClosed) reject(new FerryError(ErrorCode.ConnectionLost, 'connection closed'));
        else resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
    return this.drainWaiter;
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
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /** Half-close after everything queued is written. */
  end(): void {
    if (!this.isClosed) this.socket.end();
  }

  destroy(err?: Error): void {
    if (err) this.closeError ??= err;
    this.socket.destroy();
  }

  /** Bytes read from the socket. The decoder copies them, so `chunk` may be reused afterwards. */
  feed(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      const error = err instanceof FerryError ? err : new FerryError(ErrorCode.BadFrame, String(err));
      this.emit('protocolError', error);
      // Tell the peer why, then close: a broken stream cannot be resynchronised.
      this.send(Kind.Error, 0, { code: error.code, message: error.message });
      this.socket.pause();
      this.socket.end();
      // A peer that never closes its side must not hold the socket open.
      setTimeout(() => this.socket.destroy(), 1000).unref();
      return;
    }
    for (const frame of frames) {
      if (this.isClosed) return;
      this.emit('frame', frame);
    }
  }
}
