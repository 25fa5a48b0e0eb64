// Turning any failure into one line a person can act on. The CLI never shows a
// stack trace: FerryErrors already carry a message meant for people, and
// system errors are translated here.

import { FerryError } from '../protocol/errors.js';
import { escapeControls } from '../safe-text.js';

/** Raised by a command for a plain usage or input problem (exit code 1). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

const SYSTEM: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a folder',
  ENOTDIR: 'not a folder',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
};

const NETWORK: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is `ferry serve` running?)',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset by the server',
};

interface ErrnoLike {
  code?: unknown;
  path?: unknown;
  message?: unknown;
  cause?: unknown;
}

/**
 * A one-line description of `err`; `server` names the address for network
 * failures. Escaped: a message may carry a server's words or a file's name.
 */
export function describeError(err: unknown, server?: string): string {
  return escapeControls(describe(err, server));
}

function describe(err: unknown, server?: string): string {
  if (err instanceof FerryError || err instanceof CliError) return err.message;
  if (typeof err === 'object' && err !== null) {
    const e = err as ErrnoLike;
    const code = typeof e.code === 'string' ? e.code : undefined;
    if (code && NETWORK[code]) return `cannot connect to ${server ?? 'the server'}: ${NETWORK[code]}`;
    if (code && SYSTEM[code]) return typeof e.path === 'string' ? `${e.path}: ${SYSTEM[code]}` : SYSTEM[code];
    if (e.cause !== undefined && e.cause !== err && !(err instanceof FerryError)) {
      const inner = describe(e.cause, server);
      if (typeof e.message === 'string' && e.message && !inner.includes(e.message)) return `${e.message}: ${inner}`;
      return inner;
    }
    if (typeof e.message === 'string' && e.message) return e.message;
  }
  return String(err);
}
