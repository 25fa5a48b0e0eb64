// Why a client call failed, as a value to switch on: the protocol's error codes
// (FerryError, from the server or raised here), plus what only this side can tell
// apart (a local file that differs from the server's, a failure with no code).
// The message is for people; callers never match its words.

import { ErrorCode, FerryError } from '../protocol/errors.js';

export const Failure = {
  ...ErrorCode,
  /** The destination exists and differs from the server's file (EXISTS on the wire). */
  Differs: 'DIFFERS',
  /** Not a coded failure (a bug, or an error the client did not expect). */
  Unknown: 'UNKNOWN',
} as const;

export type FailureReason = (typeof Failure)[keyof typeof Failure];

/** A FerryError that says more than its wire code: `code` stays the protocol's, `reason` is finer. */
export class ClientError extends FerryError {
  readonly reason: FailureReason;
  constructor(code: ErrorCode, reason: FailureReason, message: string) {
    super(code, message);
    this.name = 'ClientError';
    this.reason = reason;
  }
}

const KNOWN = new Set<string>(Object.values(Failure));

/** Local file system errors worth naming; others are UNKNOWN. */
const ERRNO: Record<string, FailureReason> = {
  ENOSPC: Failure.NoSpace,
  EDQUOT: Failure.NoSpace,
  EACCES: Failure.Forbidden,
  EPERM: Failure.Forbidden,
  ENOENT: Failure.NotFound,
  EEXIST: Failure.Exists,
  ENOTDIR: Failure.NotADirectory,
  EISDIR: Failure.NotAFile,
};

/**
 * The reason of a failure. `aborted` says the caller's own signal fired: then it
 * is CANCELLED whatever the error says (an abort surfaces as many kinds of error).
 */
export function failureReason(err: unknown, aborted = false): FailureReason {
  if (aborted) return Failure.Cancelled;
  if (err instanceof ClientError) return err.reason;
  if (err instanceof FerryError) return err.code;
  // Duck-typed too: an error rebuilt elsewhere (a test double, another copy of
  // this module) keeps its reason and code as plain fields.
  const reason = (err as { reason?: unknown } | null)?.reason;
  if (typeof reason === 'string' && KNOWN.has(reason)) return reason as FailureReason;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (KNOWN.has(code)) return code as FailureReason;
    const local = ERRNO[code];
    if (local) return local;
  }
  if ((err as { name?: unknown } | null)?.name === 'AbortError') return Failure.Cancelled;
  return Failure.Unknown;
}
