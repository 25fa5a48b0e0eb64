// Dialling a server: open the TCP (or TLS, certificate checked) connection,
// then drive a pure handshake engine (protocol/handshake.ts) over it under one
// deadline. The connection is handed over only once the engine says `done`;
// on a `fail`, a socket error or the deadline it is destroyed and nothing
// more is sent.

import { connect as netConnect } from 'node:net';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import type { Frame } from '../protocol/frame.js';
import type { HandshakeAction } from '../protocol/handshake.js';
import { FrameConnection, readInto } from './connection.js';
import { tlsConnect } from './tls.js';

/** A handshake engine seen from the dialling side (ClientHandshake, or a wrapper around it). */
export interface DialHandshake<Result> {
  /** The first frames, sent as soon as the connection (and TLS) is up. */
  start(): HandshakeAction<Result>[];
  receive(frame: Frame): HandshakeAction<Result>[];
}

export interface DialOptions {
  host: string;
  port: number;
  /** Give up after this long without a completed handshake (default 10 s). Over TLS the TLS handshake has a deadline of its own first. */
  timeoutMs?: number | undefined;
  /** Memory for large incoming frames (see FrameDecoder); a download recycles its buffers. */
  allocate?: ((bytes: number) => Buffer) | undefined;
  /** TLS 1.3, with the server's certificate pinned by `fingerprint` or the known-servers file. */
  tls?: boolean | undefined;
  fingerprint?: string | undefined;
  knownServersFile?: string | undefined;
}

export interface Dialled<Result> {
  conn: FrameConnection;
  /** What the handshake engine finished with. */
  result: Result;
  /** Over TLS: the server's pinned fingerprint, and whether it was trusted on first use just now. */
  tls?: { fingerprint: string; firstUse: boolean };
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Connect to host:port and complete `handshake` there. Rejects with a FerryError. */
export async function dial<Result>(options: DialOptions, handshake: DialHandshake<Result>): Promise<Dialled<Result>> {
  const address = `${options.host}:${options.port}`;
  const secured = options.tls
    ? await tlsConnect({
        host: options.host,
        port: options.port,
        fingerprint: options.fingerprint,
        knownServersFile: options.knownServersFile,
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      }).catch((err: NodeJS.ErrnoException) => {
        throw err instanceof FerryError ? err : describeConnectError(err, address);
      })
    : undefined;
  // A TLS socket delivers its plaintext through 'data'; plain TCP reads into a fixed buffer.
  const reader = readInto();
  const socket = secured?.socket ?? netConnect({ host: options.host, port: options.port, onread: reader.onread });
  const conn = new FrameConnection(socket, options.allocate ? { allocate: options.allocate } : {});
  reader.attach(conn);
  const ms = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const result = await new Promise<Result>((resolve, reject) => {
    const timer = setTimeout(() => fail(new FerryError(ErrorCode.Timeout, `cannot connect to ${address}: no answer within ${ms} ms`)), ms);
    const settle = () => {
      clearTimeout(timer);
      conn.off('frame', onFrame);
      conn.off('close', onClose);
    };
    const fail = (err: Error) => {
      settle();
      conn.destroy();
      reject(err);
    };
    const apply = (actions: HandshakeAction<Result>[]) => {
      for (const action of actions) {
        if (action.type === 'send') conn.send(action.frame.kind, 0, action.frame.header);
        else if (action.type === 'fail') return fail(action.error);
        else {
          settle();
          return resolve(action.result);
        }
      }
    };
    const onFrame = (frame: Frame) => apply(handshake.receive(frame));
    const onClose = (err: Error | undefined) =>
      fail(
        err
          ? describeConnectError(err as NodeJS.ErrnoException, address)
          : new FerryError(ErrorCode.ConnectionLost, `connection to ${address} closed during the handshake`),
      );
    conn.on('frame', onFrame);
    conn.on('close', onClose);
    if (secured)
      apply(handshake.start()); // already connected and past the TLS handshake
    else socket.once('connect', () => apply(handshake.start()));
  });
  return { conn, result, ...(secured ? { tls: { fingerprint: secured.fingerprint, firstUse: secured.firstUse } } : {}) };
}

/** A socket error while connecting, as the coded error a user reads. */
export function describeConnectError(err: NodeJS.ErrnoException, address: string): FerryError {
  const why: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is `ferry serve` running?)',
    ENOTFOUND: 'no such host',
    EHOSTUNREACH: 'host unreachable',
    ETIMEDOUT: 'timed out',
    ECONNRESET: 'connection reset',
  };
  return new FerryError(ErrorCode.ConnectionLost, `cannot connect to ${address}: ${why[err.code ?? ''] ?? err.message}`);
}
