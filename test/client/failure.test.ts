import { describe, expect, it } from 'vitest';
import { ClientError, Failure, failureReason } from '../../src/client/failure.js';
import { ErrorCode, FerryError } from '../../src/protocol/errors.js';

describe('failureReason', () => {
  const cases: Array<[string, unknown, boolean, string]> = [
    ['a wire code', new FerryError(ErrorCode.NotFound, 'no such file'), false, 'NOT_FOUND'],
    ['a finer client reason over its wire code', new ClientError(ErrorCode.Exists, Failure.Differs, 'x'), false, 'DIFFERS'],
    ['the caller aborted: cancelled whatever the error', new FerryError(ErrorCode.ConnectionLost, 'gone'), true, 'CANCELLED'],
    ['a code on a plain error', Object.assign(new Error('x'), { code: 'TOO_MANY_REQUESTS' }), false, 'TOO_MANY_REQUESTS'],
    ['a reason on a plain error', Object.assign(new Error('x'), { code: 'EXISTS', reason: 'DIFFERS' }), false, 'DIFFERS'],
    ['a full disk', Object.assign(new Error('x'), { code: 'ENOSPC' }), false, 'NO_SPACE'],
    ['a refused local write', Object.assign(new Error('x'), { code: 'EACCES' }), false, 'FORBIDDEN'],
    ['an AbortError', Object.assign(new Error('x'), { name: 'AbortError' }), false, 'CANCELLED'],
    ['an unknown errno', Object.assign(new Error('x'), { code: 'EWHATEVER' }), false, 'UNKNOWN'],
    ['not even an error', 'boom', false, 'UNKNOWN'],
    ['nothing', undefined, false, 'UNKNOWN'],
  ];
  it.each(cases)('%s', (_name, err, aborted, reason) => {
    expect(failureReason(err, aborted)).toBe(reason);
  });

  it('keeps every protocol code (new ones too) as a reason', () => {
    for (const code of Object.values(ErrorCode)) expect(Object.values(Failure)).toContain(code);
  });

  it('a ClientError is still a FerryError with its wire code, for code that checks those', () => {
    const e = new ClientError(ErrorCode.Exists, Failure.Differs, 'x');
    expect(e).toBeInstanceOf(FerryError);
    expect(e.code).toBe('EXISTS');
  });
});
