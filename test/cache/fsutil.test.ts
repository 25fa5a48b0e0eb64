import { describe, expect, it } from 'vitest';
import { ioError, pidAlive, tempBase, tempOwner } from '../../src/cache/fsutil.js';
import { FerryError } from '../../src/protocol/errors.js';
import { deadPid } from './helpers.js';

describe('cache fs helpers', () => {
  it('turns a full disk into NO_SPACE and leaves other errors alone', () => {
    const full = Object.assign(new Error('write failed'), { code: 'ENOSPC' });
    const quota = Object.assign(new Error('write failed'), { code: 'EDQUOT' });
    const denied = Object.assign(new Error('nope'), { code: 'EACCES' });
    expect(ioError(full, 'adding to the cache')).toMatchObject({ code: 'NO_SPACE', name: 'FerryError' });
    expect(ioError(quota, 'x')).toBeInstanceOf(FerryError);
    expect(ioError(denied, 'x')).toBe(denied);
  });

  it('tells live pids from dead ones, and reads the owner back from a temp name', () => {
    expect(pidAlive(process.pid)).toBe(true);
    expect(pidAlive(deadPid())).toBe(false);
    expect(pidAlive(0)).toBe(false);
    expect(tempOwner(`${tempBase(4242)}.pin`)).toBe(4242);
    expect(tempOwner('junk.pin')).toBeUndefined();
  });
});
