// A self-signed X.509 certificate for the server's TLS identity, built by
// hand: Node 20 can make keys and signatures but not certificates, and a
// certificate is a small fixed ASN.1 (DER) structure. Writing it here avoids
// both an npm dependency and a run-time need for the `openssl` command.
//
// The key is ECDSA P-256: every TLS 1.3 implementation must support
// ecdsa_secp256r1_sha256 (RFC 8446 §9.1), whereas Ed25519 is optional, so a
// second client in another language can connect too.
//
// Nothing here is trusted the usual way (no CA, no host name check): clients
// pin the certificate's SHA-256 fingerprint (tls.ts), so the fields only have
// to parse. TLS itself still proves the server holds the private key.

import { createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';

// --- DER: tag, length, contents (X.690 §8). Lengths up to 2^16 suffice here.
function der(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const n = body.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), body]);
}
const seq = (...c: Buffer[]) => der(0x30, ...c);
const set = (...c: Buffer[]) => der(0x31, ...c);
const explicit = (n: number, ...c: Buffer[]) => der(0xa0 + n, ...c); // [n] EXPLICIT, constructed
const utf8 = (s: string) => der(0x0c, Buffer.from(s, 'utf8'));
const octets = (b: Buffer) => der(0x04, b);
/** BIT STRING with no unused bits. */
const bits = (b: Buffer) => der(0x03, Buffer.from([0]), b);
/**
 * A non-negative INTEGER from big-endian bytes. DER wants the shortest form:
 * no leading zero bytes, except one that keeps a high first bit from reading
 * as negative (a stray 0x00 before 0x00–0x7f is "illegal padding" to OpenSSL).
 */
function uint(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return der(0x02, v[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a! * 40 + b!];
  for (const v of rest) {
    // base-128, high bit set on every byte but the last
    const groups = [v & 0x7f];
    for (let x = Math.floor(v / 128); x > 0; x = Math.floor(x / 128)) groups.unshift((x & 0x7f) | 0x80);
    out.push(...groups);
  }
  return der(0x06, Buffer.from(out));
}

/** UTCTime before 2050, GeneralizedTime from then on (RFC 5280 §4.1.2.5). */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'; // YYYYMMDDHHMMSSZ
  return d.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(iso.slice(2))) : der(0x18, Buffer.from(iso));
}

const ECDSA_WITH_SHA256 = seq(oid('1.2.840.10045.4.3.2')); // no parameters (RFC 5758 §3.2)
const COMMON_NAME = '2.5.4.3';
const BASIC_CONSTRAINTS = '2.5.29.19';

export interface SelfSigned {
  /** PKCS#8 PEM. */
  key: string;
  /** X.509 PEM. */
  cert: string;
}

/** A fresh P-256 key and a v3 certificate for it, signed by itself. */
export function createSelfSigned(commonName = 'ferry', now = new Date()): SelfSigned {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const name = seq(set(seq(oid(COMMON_NAME), utf8(commonName))));
  const serial = randomBytes(16);
  serial[0]! |= 0x40; // non-zero: a serial is a positive integer of at most 20 bytes (RFC 5280 §4.1.2.2)
  const tbs = seq(
    explicit(0, der(0x02, Buffer.from([2]))), // version v3
    uint(serial),
    ECDSA_WITH_SHA256,
    name, // issuer = subject: self-signed
    // Valid from yesterday (clock skew) with no real end: 9999-12-31 means "no
    // well-defined expiration" (RFC 5280 §4.1.2.5); the pin, not a date, is what counts.
    seq(time(new Date(now.getTime() - 86_400_000)), time(new Date(Date.UTC(9999, 11, 31, 23, 59, 59)))),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    // extensions: basicConstraints (critical) cA=false — not a CA, so it cannot sign others.
    explicit(3, seq(seq(oid(BASIC_CONSTRAINTS), der(0x01, Buffer.from([0xff])), octets(seq())))),
  );
  // Node's ECDSA signature defaults to DER (ECDSA-Sig-Value), as X.509 wants.
  const signature = sign('sha256', tbs, privateKey);
  const certDer = seq(tbs, ECDSA_WITH_SHA256, bits(signature));
  return {
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    cert: pem('CERTIFICATE', certDer),
  };
}

function pem(label: string, body: Buffer): string {
  const b64 = body.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** Does `keyPem` belong to `certPem`? (Parses both; throws on garbage.) */
export function keyMatchesCert(keyPem: string, certPem: string): boolean {
  const key: KeyObject = createPrivateKey(keyPem);
  return new X509Certificate(certPem).checkPrivateKey(key);
}
