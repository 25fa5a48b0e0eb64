// TLS for the control connection (`--tls`). The server has one self-signed
// identity, created on first start and kept; clients do not ask a CA but pin
// the certificate's fingerprint: given on the command line, or remembered the
// first time (trust on first use, like ssh). TLS 1.3 only: it is what both
// ends of ferry speak, and it leaves no weak suites or renegotiation to
// configure. UDP sessions get their MAC key from the TLS session (udpKeyFrom).
//
// Server (listen.ts does this):
//   const identity = await loadOrCreateServerIdentity(defaultIdentityDir())
//   print identity.fingerprint
//   tls.createServer(tlsServerOptions(identity)) … on('secureConnection', socket => …)
// Client (dial.ts does this):
//   const { socket, fingerprint, firstUse } = await tlsConnect({ host, port, fingerprint })
// A FrameConnection over TLS hands out UDP keys itself (conn.udpKey(sessionId)).

import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { connect, type TLSSocket, type TlsOptions } from 'node:tls';
import envPaths from 'env-paths';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import { parseSessionId } from '../protocol/udp-packet.js';
import { createSelfSigned, keyMatchesCert } from './cert.js';
import { fingerprintOf, normaliseFingerprint } from './fingerprint.js';
import { defaultKnownServersFile, lookupKnownServer, rememberServer, serverKey } from './known-servers.js';

export { fingerprintOf, normaliseFingerprint } from './fingerprint.js';
export { defaultKnownServersFile } from './known-servers.js';

export interface ServerIdentity {
  key: string;
  cert: string;
  fingerprint: string;
}

/** The identity file's name inside its folder: the key and then the certificate, PEM. */
export const IDENTITY_FILE = 'tls-identity.pem';

/** Where the server keeps its identity (~/.local/share/ferry on Linux): data, not cache — losing it changes the fingerprint. */
export function defaultIdentityDir(): string {
  return envPaths('ferry', { suffix: '' }).data;
}

/**
 * The server's key and certificate from `dir`, created the first time (mode
 * 0600). Key and certificate share one file so they appear together: it is
 * written under a temporary name and hard-linked into place, and link()
 * fails if another server got there first, in which case we use theirs.
 */
export async function loadOrCreateServerIdentity(dir: string): Promise<ServerIdentity> {
  const file = path.join(dir, IDENTITY_FILE);
  const existing = await readIdentity(file);
  if (existing) return existing;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { key, cert } = createSelfSigned();
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`; // unique even for two callers in one process
  await writeFile(temp, key + cert, { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(temp).catch(() => {});
  }
  const identity = await readIdentity(file);
  if (!identity) throw new FerryError(ErrorCode.Internal, `${file} vanished while it was being created`);
  return identity;
}

async function readIdentity(file: string): Promise<ServerIdentity | null> {
  let text: string;
  try {
    // A private key others can read is no secret: refuse, as ssh does, rather than serve with it.
    const info = await stat(file);
    if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
      throw new FerryError(ErrorCode.Forbidden, `${file} holds the server's private key but others may read it: run chmod 600 ${file}`);
    }
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n?/.exec(text)?.[0];
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(text)?.[0];
  let ok = false;
  try {
    ok = !!key && !!cert && keyMatchesCert(key, cert);
  } catch {
    ok = false;
  }
  // Never replace it silently: a new identity means every client refuses the server.
  if (!ok)
    throw new FerryError(
      ErrorCode.Internal,
      `${file} is not a ferry TLS identity (key and matching certificate); move it away to create a new one, which clients will then have to accept again`,
    );
  return { key: key!, cert: cert!, fingerprint: fingerprintOf(cert!) };
}

/** Options for tls.createServer: TLS 1.3 only, and a handshake must finish within 10 s. */
export function tlsServerOptions(identity: Pick<ServerIdentity, 'key' | 'cert'>): TlsOptions {
  return {
    key: identity.key,
    cert: identity.cert,
    minVersion: 'TLSv1.3',
    // A peer that opens a connection and never finishes the handshake holds a socket: bound it.
    handshakeTimeout: 10_000,
  };
}

/**
 * The server showed a certificate other than the one expected (UNAUTHORIZED):
 * what a caller needs to put the choice to a person (see known-servers.ts for
 * how an accepted one replaces the remembered one).
 */
export class CertificateChanged extends FerryError {
  constructor(
    message: string,
    /** host:port, as serverKey spells it. */
    readonly address: string,
    readonly expected: string,
    readonly seen: string,
    /** Where the expected fingerprint came from: the caller's pin, or the known-servers file. */
    readonly source: 'pin' | 'known-servers',
  ) {
    super(ErrorCode.Unauthorized, message);
    this.name = 'CertificateChanged';
  }
}

export interface TlsConnectOptions {
  host: string;
  port: number;
  /** The pinned fingerprint (any case, colons optional). Without it, the known-servers file decides. */
  fingerprint?: string | undefined;
  /** Trust-on-first-use store; default defaultKnownServersFile(). */
  knownServersFile?: string | undefined;
  /** Give up on connecting plus handshake after this long (default 10 s). */
  timeoutMs?: number | undefined;
}

export interface TlsConnection {
  socket: TLSSocket;
  /** What the server presented, canonical form. */
  fingerprint: string;
  /** True when nothing was pinned and the fingerprint was just remembered: tell the user. */
  firstUse: boolean;
}

/**
 * Connect, finish a TLS 1.3 handshake and check the server's certificate
 * against the pin, else the known-servers file (remembering it on first use).
 * Resolves only once the server is trusted; nothing has been read yet, so
 * attach a FrameConnection and send HELLO at once.
 *
 * Rejects with FerryError: UNAUTHORIZED (a different certificate, naming
 * both fingerprints), BAD_REQUEST (a malformed pin), TIMEOUT, CONNECTION_LOST
 * (the peer does not speak TLS 1.3 or hung up). Socket errors such as
 * ECONNREFUSED reject with the socket's own error, as net.connect reports it.
 */
export async function tlsConnect(options: TlsConnectOptions): Promise<TlsConnection> {
  const address = serverKey(options.host, options.port);
  let pin: string | undefined;
  if (options.fingerprint !== undefined) {
    const normal = normaliseFingerprint(options.fingerprint);
    if (!normal) throw new FerryError(ErrorCode.BadRequest, `${options.fingerprint} is not a certificate fingerprint (expected sha256: and 32 hex bytes)`);
    pin = normal;
  }
  const store = options.knownServersFile ?? defaultKnownServersFile();
  const socket = await handshake(options, address);
  try {
    const raw = socket.getPeerCertificate().raw;
    if (!raw) throw new FerryError(ErrorCode.Unauthorized, `${address} presented no certificate`);
    const seen = fingerprintOf(raw);
    const known = await lookupKnownServer(store, options.host, options.port);
    const expected = pin ?? known;
    if (expected && expected !== seen) {
      const why = pin
        ? `the fingerprint you gave is ${pin}`
        : `it was remembered as ${known} in ${store}; if the server's identity was replaced on purpose, delete the line for ${address} there`;
      throw new CertificateChanged(
        `${address} presented certificate ${seen}, but ${why}. Refusing: this may not be the server you meant`,
        address,
        expected,
        seen,
        pin ? 'pin' : 'known-servers',
      );
    }
    // A fingerprint the user checked is worth remembering too, so next time needs no --fingerprint.
    if (!known) await rememberServer(store, options.host, options.port, seen);
    return { socket, fingerprint: seen, firstUse: !expected };
  } catch (err) {
    socket.destroy();
    throw err;
  }
}

function handshake(options: TlsConnectOptions, address: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: options.host,
      port: options.port,
      minVersion: 'TLSv1.3',
      // No CA vouches for a self-signed certificate; the fingerprint check in
      // tlsConnect is the verification. TLS still proves the server holds the key.
      rejectUnauthorized: false,
    });
    socket.setNoDelay(true);
    const ms = options.timeoutMs ?? 10_000;
    const timer = setTimeout(() => fail(new FerryError(ErrorCode.Timeout, `cannot connect to ${address}: no TLS handshake within ${ms} ms`)), ms);
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('secureConnect', onSecure);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    const fail = (err: Error): void => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const onSecure = (): void => {
      cleanup();
      resolve(socket);
    };
    const onError = (err: NodeJS.ErrnoException): void => {
      // OpenSSL's codes (ERR_SSL_…) mean the peer answered but not with TLS 1.3.
      if (err.code?.startsWith('ERR_SSL') || err.code === 'ECONNRESET') {
        fail(new FerryError(ErrorCode.ConnectionLost, `${address} did not complete a TLS 1.3 handshake (is it serving with --tls?): ${err.message}`));
      } else fail(err);
    };
    const onClose = (): void =>
      fail(new FerryError(ErrorCode.ConnectionLost, `${address} closed the connection during the TLS handshake (is it serving with --tls?)`));
    socket.once('secureConnect', onSecure);
    socket.once('error', onError);
    socket.once('close', onClose);
  });
}

/**
 * The 32-byte MAC key for one UDP session, derived from the TLS session
 * (RFC 8446 §7.5 exporter, context = the 8 session-id bytes). Both ends call
 * it with the same id and get the same key; nobody without the TLS session
 * can compute it, and each session's key is different.
 */
export function udpKeyFrom(socket: TLSSocket, sessionId: string | bigint): Buffer {
  const id = typeof sessionId === 'bigint' ? sessionId : parseSessionId(sessionId);
  if (id === null) throw new FerryError(ErrorCode.BadRequest, 'session id must be 16 lower-case hex digits');
  const context = Buffer.alloc(8);
  context.writeBigUInt64BE(id);
  return socket.exportKeyingMaterial(32, 'ferry udp', context);
}
