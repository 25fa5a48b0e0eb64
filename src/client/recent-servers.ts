// The servers this user connected to lately, newest first: what the app offers
// when it starts without a server named. One small JSON file in ferry's state
// folder (~/.local/state/ferry/recent-servers.json on Linux), rewritten whole
// and atomically (temporary file, fsync, rename) so a crash leaves the old list
// or the new one. It is a convenience: a damaged file reads as no servers and
// the next connection writes a good one. Trust is not decided here: a
// remembered TLS fingerprint is pinned when connecting, and a certificate that
// changed is put to the user (known-servers.ts holds what ferry trusts).

import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import envPaths from 'env-paths';
import { normaliseFingerprint } from '../transport/fingerprint.js';
import { replaceKnownServer, serverKey, defaultKnownServersFile } from '../transport/known-servers.js';

export { CertificateChanged } from '../transport/tls.js';

export interface RecentServer {
  host: string;
  port: number;
  tls: boolean;
  /** The certificate's fingerprint last seen (TLS only). */
  fingerprint?: string;
  /** When it was last connected to (ms since the epoch). */
  lastUsed: number;
}

/** Servers remembered at most; the least recently used go first. */
export const RECENT_LIMIT = 20;

export function defaultRecentServersFile(): string {
  // env-paths' `log` is XDG_STATE_HOME on Linux: state kept between runs, not precious.
  return path.join(envPaths('ferry', { suffix: '' }).log, 'recent-servers.json');
}

/** How a recent server is named on screen and as --server: host:port. */
export function recentAddress(r: Pick<RecentServer, 'host' | 'port'>): string {
  return serverKey(r.host, r.port);
}

function valid(raw: unknown): RecentServer | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  // A host name or an IP address (v6 with its zone): nothing that could draw on the screen.
  if (typeof r.host !== 'string' || !/^[A-Za-z0-9._:%-]{1,255}$/.test(r.host)) return null;
  if (typeof r.port !== 'number' || !Number.isInteger(r.port) || r.port < 1 || r.port > 65535) return null;
  if (typeof r.tls !== 'boolean' || typeof r.lastUsed !== 'number' || !Number.isFinite(r.lastUsed)) return null;
  const fingerprint = typeof r.fingerprint === 'string' ? normaliseFingerprint(r.fingerprint) : null;
  if (r.fingerprint !== undefined && fingerprint === null) return null;
  return { host: r.host, port: r.port, tls: r.tls, ...(fingerprint ? { fingerprint } : {}), lastUsed: r.lastUsed };
}

/** The list with `entry` first (replacing the same server's older entry), at most `limit` long. */
export function withRecent(list: readonly RecentServer[], entry: RecentServer, limit = RECENT_LIMIT): RecentServer[] {
  const key = recentAddress(entry);
  return [entry, ...list.filter((r) => recentAddress(r) !== key)].slice(0, limit);
}

/** The remembered servers, newest first; none when the file is missing or damaged. */
export async function loadRecentServers(file = defaultRecentServersFile()): Promise<RecentServer[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return [];
  }
  const list = (raw as { servers?: unknown })?.servers;
  if (!Array.isArray(list)) return [];
  const seen = new Set<string>();
  const out: RecentServer[] = [];
  for (const item of list.slice(0, RECENT_LIMIT * 4)) {
    const r = valid(item);
    if (!r || seen.has(recentAddress(r))) continue;
    seen.add(recentAddress(r));
    out.push(r);
  }
  return out.sort((a, b) => b.lastUsed - a.lastUsed).slice(0, RECENT_LIMIT);
}

/** Put `entry` first in the file (read, update, atomic rewrite). */
export async function rememberRecentServer(entry: RecentServer, file = defaultRecentServersFile()): Promise<void> {
  const list = withRecent(await loadRecentServers(file), entry);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    // 0600: not secret, but it lists where this user connects.
    const fh = await open(temp, 'wx', 0o600);
    try {
      await fh.writeFile(`${JSON.stringify({ version: 1, servers: list }, null, 2)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/**
 * The user accepted a server's changed certificate: trust `fingerprint` for it
 * from now on, in place of the one remembered.
 */
export function trustChangedCertificate(host: string, port: number, fingerprint: string, knownServersFile = defaultKnownServersFile()): Promise<void> {
  return replaceKnownServer(knownServersFile, host, port, fingerprint);
}
