// The client's trust-on-first-use store: which certificate fingerprint each
// server (host:port) showed the first time. One line per server, like ssh's
// known_hosts, so a person can read it and delete a line by hand:
//
//   # comment
//   127.0.0.1:2003 sha256:AB:CD:…
//   [::1]:2003 sha256:12:34:…
//
// Entries are only ever added (a changed certificate is refused, never
// overwritten), so appending is enough: O_APPEND writes of one short line do
// not interleave, and two clients meeting a new server at once cannot erase
// each other's entries the way read-modify-write could. The first line for a
// server wins.

import { mkdir, readFile, appendFile } from 'node:fs/promises';
import path from 'node:path';
import envPaths from 'env-paths';
import { normaliseFingerprint } from './fingerprint.js';

/** Where the client remembers servers unless told otherwise (~/.local/share/ferry on Linux). */
export function defaultKnownServersFile(): string {
  return path.join(envPaths('ferry', { suffix: '' }).data, 'known-servers');
}

/** "host:port", IPv6 in brackets, host lower-case: one spelling per server. */
export function serverKey(host: string, port: number): string {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return `${h.includes(':') ? `[${h}]` : h}:${port}`;
}

/** The fingerprint remembered for host:port, or undefined. A missing file means none. */
export async function lookupKnownServer(file: string, host: string, port: number): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const key = serverKey(host, port);
  for (const line of text.split('\n')) {
    const [name, fp] = line.trim().split(/\s+/);
    if (!name || name.startsWith('#') || name !== key || !fp) continue;
    const normal = normaliseFingerprint(fp);
    if (normal) return normal;
  }
  return undefined;
}

/** Remember host:port's fingerprint (first use). */
export async function rememberServer(file: string, host: string, port: number, fingerprint: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // 0600: not secret, but it lists where this user connects.
  await appendFile(file, `${serverKey(host, port)} ${fingerprint}\n`, { mode: 0o600 });
}
