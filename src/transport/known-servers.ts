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
//
// A damaged line (not a comment or blank, and not exactly `host:port
// fingerprint`) fails closed for EVERY server, not only for one it seems to
// name: the damage may be in the name itself, so whose entry it was cannot be
// told, and treating a lost entry as "never met" would silently turn it into a
// fresh trust-on-first-use, which is the moment an impostor wins. The error
// names the file and line, so repairing it is one deliberate deletion.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, appendFile, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import envPaths from 'env-paths';
import { ErrorCode, FerryError } from '../protocol/errors.js';
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

// How serverKey spells a server: a host name or IPv4 address, or an IPv6
// address in brackets, then the port.
const KEY = /^(?:[a-z0-9._-]+|\[[0-9a-f:.]+(?:%[a-z0-9._-]+)?\]):\d{1,5}$/i;

/**
 * The fingerprint remembered for host:port, or undefined. A missing file means
 * none; a damaged line anywhere rejects (UNAUTHORIZED, see above).
 */
export async function lookupKnownServer(file: string, host: string, port: number): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const key = serverKey(host, port);
  let found: string | undefined;
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const fingerprint = fields.length === 2 && KEY.test(fields[0]!) ? normaliseFingerprint(fields[1]!) : null;
    if (!fingerprint) throw damagedLine(file, index + 1, key);
    if (fields[0]!.toLowerCase() === key) found ??= fingerprint;
  }
  return found;
}

function damagedLine(file: string, line: number, key: string): FerryError {
  return new FerryError(
    ErrorCode.Unauthorized,
    `line ${line} of ${file} is damaged (expected 'HOST:PORT sha256:…'), so ferry cannot tell which server it vouched for and trusts none through this file until it is repaired. ` +
      `To trust ${key} again, delete line ${line} of ${file} (or restore it), then connect again and compare the certificate with what \`ferry serve --tls\` printed`,
  );
}

/** Remember host:port's fingerprint (first use). */
export async function rememberServer(file: string, host: string, port: number, fingerprint: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // 0600: not secret, but it lists where this user connects.
  await appendFile(file, `${serverKey(host, port)} ${fingerprint}\n`, { mode: 0o600 });
}

/**
 * Replace what is remembered for host:port with `fingerprint`: only after a
 * person accepted a changed certificate (the one case where an entry is not
 * merely added). Every other line is kept as it was; the file is rewritten
 * whole under a temporary name and renamed over the old one, so a reader sees
 * the old file or the new one, never half of either.
 */
export async function replaceKnownServer(file: string, host: string, port: number, fingerprint: string): Promise<void> {
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = serverKey(host, port);
  const kept = text.split('\n').filter((raw) => {
    const line = raw.trim();
    return line !== '' && (line.startsWith('#') || line.split(/\s+/)[0]!.toLowerCase() !== key);
  });
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeAtomically(file, `${[...kept, `${key} ${fingerprint}`].join('\n')}\n`);
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fh = await open(temp, 'wx', 0o600);
    try {
      await fh.writeFile(text);
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
