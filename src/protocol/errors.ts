// Coded errors. The code travels on the wire (ERROR frames) and is what
// clients branch on; the message is for people.

export const ErrorCode = {
  BadFrame: 'BAD_FRAME',
  BadRequest: 'BAD_REQUEST',
  UnsupportedVersion: 'UNSUPPORTED_VERSION',
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  OutsideShare: 'OUTSIDE_SHARE',
  NotAFile: 'NOT_A_FILE',
  NotADirectory: 'NOT_A_DIRECTORY',
  Exists: 'EXISTS',
  /** A folder to remove still holds entries (ask with `recursive`). */
  NotEmpty: 'NOT_EMPTY',
  /** The server does not allow changes to its share (started without --allow-write). */
  ReadOnly: 'READ_ONLY',
  Changed: 'CHANGED',
  ChecksumMismatch: 'CHECKSUM_MISMATCH',
  TooManyRequests: 'TOO_MANY_REQUESTS',
  TooLarge: 'TOO_LARGE',
  Cancelled: 'CANCELLED',
  ShuttingDown: 'SHUTTING_DOWN',
  ConnectionLost: 'CONNECTION_LOST',
  Timeout: 'TIMEOUT',
  NoSpace: 'NO_SPACE',
  Internal: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const KNOWN = new Set<string>(Object.values(ErrorCode));

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && KNOWN.has(value);
}

/** An error with a protocol code; thrown by handlers, carried by ERROR frames. */
export class FerryError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'FerryError';
    this.code = code;
  }
}
