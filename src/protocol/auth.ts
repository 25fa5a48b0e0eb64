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

/** What the server sends, only after a correct client proof: proves it knows the token, bound to the client's nonce. */
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

/** A strong token for `ferry serve --token auto`: 256 random bits, URL-safe (43 characters). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Shortest token `ferry serve` accepts: 16 characters of even a lower-case alphabet are ~75 bits. */
export const MIN_TOKEN_LENGTH = 16;
/** A token drawn from fewer distinct characters than this is a pattern, not a secret. */
const MIN_DISTINCT_CHARACTERS = 8;

/**
 * Why a chosen token is too weak to guard a server, or undefined if it is not
 * obviously weak. Only cheap, certain rules: too short, too few different
 * characters ('passwordpassword'), or mostly a run ('abcdef…', '123456…',
 * 'aaaa…'). It cannot tell a dictionary word from a random one; it stops the
 * tokens a guesser tries first.
 */
export function tokenWeakness(token: string): string | undefined {
  const chars = [...token];
  if (chars.length < MIN_TOKEN_LENGTH) return `it is shorter than ${MIN_TOKEN_LENGTH} characters`;
  if (new Set(chars).size < MIN_DISTINCT_CHARACTERS) return `it uses too few different characters (fewer than ${MIN_DISTINCT_CHARACTERS})`;
  // Steps of -1, 0 or +1 between neighbours (with 9→0 wrapping) make a run.
  let steps = 0;
  for (let i = 1; i < chars.length; i++) {
    const d = chars[i]!.codePointAt(0)! - chars[i - 1]!.codePointAt(0)!;
    if (Math.abs(d) <= 1 || (chars[i - 1] === '9' && chars[i] === '0')) steps++;
  }
  if (steps * 2 > chars.length - 1) return 'it is mostly a run of neighbouring characters';
  return undefined;
}
