// The config file: defaults a user sets once instead of on every command line.
// JSON in the XDG config folder (~/.config/ferry/config.json; FERRY_CONFIG names
// another). Precedence, highest first: a flag, an environment variable, this file,
// the built-in default. Its connection settings become the matching FERRY_*
// variables where those are unset, so every command reads them the way it
// already reads the environment; key bindings and colours go to the app.

import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import envPaths from 'env-paths';
import { setKeyTable } from '../tui/keys/bindings.js';
import { themeWith } from '../tui/theme.js';
import { CliError } from './errors.js';

export interface FerryConfig {
  /** HOST:PORT, as --server. */
  server?: string;
  /** A file holding the token (its first line), so the token itself is in no config or history. */
  tokenFile?: string;
  tls?: boolean;
  fingerprint?: string;
  cacheDir?: string;
  /** The app's local folder, as --local. */
  local?: string;
  /** The app computes each download's MD5 here too, as `ferry download --md5`. */
  md5?: boolean;
  /** Transfers the app runs at once (the rest wait in its queue), as `ferry download --transfers`. */
  transfers?: number;
  /** The app asks for mouse reports (click, double-click, wheel); false leaves the mouse to the terminal, as `ferry --no-mouse`. */
  mouse?: boolean;
  /** Command → keys, e.g. { "download": ["d", "C-d"] }. */
  keys?: Record<string, string[]>;
  /** Theme slot → colour, e.g. { "accent": "magenta" }. */
  colors?: Record<string, string>;
}

/** The most transfers at once: the server allows 64 requests in flight on a connection, and each transfer holds one. */
export const MAX_TRANSFERS = 64;

export function validTransfers(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_TRANSFERS;
}

const STRINGS = ['server', 'tokenFile', 'fingerprint', 'cacheDir', 'local'] as const;

export function configFile(env: Record<string, string | undefined>): string {
  if (env.FERRY_CONFIG) return env.FERRY_CONFIG;
  // The XDG folder, from the environment the command was given (macOS and Windows keep their own).
  const folder =
    process.platform === 'darwin' || process.platform === 'win32'
      ? envPaths('ferry', { suffix: '' }).config
      : path.join(env.XDG_CONFIG_HOME || path.join(env.HOME ?? os.homedir(), '.config'), 'ferry');
  return path.join(folder, 'config.json');
}

/** Check a parsed config; every problem is named, with the file, in one error. */
export function validateConfig(raw: unknown, file: string): FerryConfig {
  const fail = (problems: string[]) => new CliError(`${file}: ${problems.length === 1 ? problems[0] : `\n  ${problems.join('\n  ')}`}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw fail(['must hold one JSON object, e.g. { "server": "192.168.1.20:2003" }']);
  const problems: string[] = [];
  const known = new Set<string>([...STRINGS, 'tls', 'md5', 'mouse', 'transfers', 'keys', 'colors']);
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(r)) if (!known.has(key)) problems.push(`unknown setting '${key}' (known: ${[...known].join(', ')})`);
  for (const key of STRINGS) if (r[key] !== undefined && (typeof r[key] !== 'string' || r[key] === '')) problems.push(`'${key}' must be a non-empty string`);
  for (const key of ['tls', 'md5', 'mouse'] as const) if (r[key] !== undefined && typeof r[key] !== 'boolean') problems.push(`'${key}' must be true or false`);
  if (r.transfers !== undefined && !validTransfers(r.transfers)) problems.push(`'transfers' must be a whole number from 1 to ${MAX_TRANSFERS}`);
  for (const key of ['keys', 'colors'] as const) {
    if (r[key] !== undefined && (typeof r[key] !== 'object' || r[key] === null || Array.isArray(r[key]))) problems.push(`'${key}' must be an object`);
  }
  if (problems.length === 0 && r.keys) {
    problems.push(...setKeyTable(r.keys as Record<string, unknown>).map((p) => `keys: ${p}`));
    setKeyTable({}); // checked only; the app sets its table when it starts
  }
  if (problems.length === 0 && r.colors) problems.push(...themeWith(r.colors as Record<string, unknown>).problems.map((p) => `colors: ${p}`));
  if (problems.length > 0) throw fail(problems);
  return r as FerryConfig;
}

/** The config in force: the file's settings, or none when there is no file. */
export async function loadConfig(env: Record<string, string | undefined>): Promise<{ file: string; exists: boolean; config: FerryConfig }> {
  const file = configFile(env);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && env.FERRY_CONFIG === undefined) return { file, exists: false, config: {} };
    throw new CliError(`cannot read the config file ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  return { file, exists: true, config: validateConfig(raw, file) };
}

/**
 * The environment with the config's connection settings filled in where the
 * environment has none. `~` and relative paths are taken from the config file's
 * point of view (home, and the file's folder).
 */
export async function withConfigEnv(env: Record<string, string | undefined>, config: FerryConfig, file: string): Promise<Record<string, string | undefined>> {
  const home = env.HOME ?? '';
  const where = (p: string) => (p === '~' || p.startsWith('~/') ? path.join(home, p.slice(1)) : path.resolve(path.dirname(file), p));
  const filled: Record<string, string | undefined> = {};
  if (config.server) filled.FERRY_SERVER = config.server;
  if (config.tls) filled.FERRY_TLS = '1';
  if (config.fingerprint) filled.FERRY_FINGERPRINT = config.fingerprint;
  if (config.cacheDir) filled.FERRY_CACHE_DIR = where(config.cacheDir);
  if (config.local) filled.FERRY_LOCAL = where(config.local);
  if (config.tokenFile && env.FERRY_TOKEN === undefined) {
    const tokenPath = where(config.tokenFile);
    try {
      const token = (await readFile(tokenPath, 'utf8')).split('\n')[0]?.trim();
      if (!token) throw new CliError(`the token file ${tokenPath} (tokenFile in ${file}) is empty`);
      filled.FERRY_TOKEN = token;
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError(`cannot read the token file ${tokenPath} (tokenFile in ${file}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  return { ...filled, ...env };
}
