// Token authentication: mutual challenge-response over nonces from both
// sides. Each side proves it knows the token with an HMAC-SHA256 over both
// nonces and a label naming its role, so a proof can't be replayed on another
// connection (the other side's nonce is fresh) or reflected back (the labels
// differ). Pure: crypto primitives only, no I/O.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const NONCE_BYTES = 32;

export function newNonce(): string {
  return randomBytes(NONCE_BYTES).toString('hex');
}

function proof(token: string, role: 'server' | 'client', first: string, second: string): string {
  return createHmac('sha256', token).update(`ferry-v1-${role}\n${first}\n${second}`).digest('hex');
}

/** What the server sends: proves it knows the token, bound to the client's nonce. */
export function serverProof(token: string, clientNonce: string, serverNonce: string): string {
  return proof(token, 'server', clientNonce, serverNonce);
}

/** What the client sends: proves it knows the token, bound to the server's nonce. */
export function clientProof(token: string, clientNonce: string, serverNonce: string): string {
  return proof(token, 'client', serverNonce, clientNonce);
}

/** Constant-time comparison of two hex proofs. */
export function proofsEqual(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(expected, 'utf8'), Buffer.from(given, 'utf8'));
}

/** A strong token for `ferry serve --token auto`: 192 random bits, URL-safe. */
export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}
