// Which address `ferry serve` binds, and whether it may bind there without a
// token. The loopback rule is about the address the socket really listens on:
// a host NAME is only text, and `127.evil.example` or a doctored `localhost`
// may resolve to 0.0.0.0 or a public address. So the name is resolved once,
// the server binds that literal address, and the rule is applied to it (and
// again to what the socket reports once bound).

import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import { isLoopback } from '../protocol/udp-packet.js';

/** Resolves a host name to the one address to bind (dns.lookup's shape; tests inject their own). */
export type HostLookup = (hostname: string) => Promise<{ address: string; family: number }>;

/** The literal address to bind for `host`: itself if it is one, else what it resolves to. */
export async function resolveBindAddress(host: string, lookup: HostLookup = (h) => dnsLookup(h)): Promise<string> {
  const literal = host.replace(/^\[(.*)\]$/, '$1');
  if (isIP(literal)) return literal;
  try {
    const { address } = await lookup(literal);
    if (!isIP(address)) throw new Error(`not an address: ${address}`);
    return address;
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new FerryError(ErrorCode.BadRequest, `cannot resolve --host ${host}: ${why}`);
  }
}

/** Is this literal address loopback? (Text checks are safe here: `address` is an IP literal, never a name.) */
export function isLoopbackAddress(address: string): boolean {
  return isIP(address) !== 0 && isLoopback(address);
}

/** Refuse a non-loopback address unless the server has a token or was told --insecure. */
export function assertMayBind(address: string, host: string, guarded: boolean): void {
  if (guarded || isLoopbackAddress(address)) return;
  const shown = address === host ? host : `${host} (${address})`;
  throw new FerryError(
    ErrorCode.Forbidden,
    `refusing to share on ${shown} without a token: anyone who can reach it could read the folder (use --token SECRET or --token auto, or --insecure if you mean it)`,
  );
}
