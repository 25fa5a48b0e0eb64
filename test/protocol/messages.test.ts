import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../src/protocol/errors.js';
import { MAX_BATCH_FILES, parseHello, parseRequest } from '../../src/protocol/messages.js';

describe('request validation', () => {
  it('accepts each operation and drops absent fields', () => {
    expect(parseRequest({ op: 'list', path: 'a', recursive: false, after: 1, before: 2 })).toEqual({
      op: 'list',
      path: 'a',
      recursive: false,
      after: 1,
      before: 2,
    });
    expect(parseRequest({ op: 'hash', path: 'x.txt' })).toEqual({ op: 'hash', path: 'x.txt' });
    expect(parseRequest({ op: 'hashall' })).toEqual({ op: 'hashall' });
    expect(parseRequest({ op: 'download', path: 'f', offset: 10, identity: { size: 1, mtimeMs: 2, ino: 3, dev: 4 } })).toMatchObject({ offset: 10 });
    expect(parseRequest({ op: 'logs', limit: 5, follow: true })).toEqual({ op: 'logs', limit: 5, follow: true });
    expect(parseRequest({ op: 'read', path: 'f', offset: 10, count: 4096, extra: 1 })).toEqual({ op: 'read', path: 'f', offset: 10, count: 4096 });
  });

  it.each([
    [{}, /no 'op'/],
    [{ op: 'rm' }, /unknown operation 'rm'/],
    [{ op: 'hash' }, /'path' must be a string/],
    [{ op: 'list', recursive: 'yes' }, /'recursive' must be true or false/],
    [{ op: 'download', path: 'a', offset: -1 }, /'offset' is out of range/],
    [{ op: 'upload', path: 'a', size: 1, md5: 'XYZ' }, /'md5' must be 32/],
    [{ op: 'logs', limit: 1e9 }, /out of range/],
    [{ op: 'read', path: 'a', count: 1 }, /'offset' must be a number/],
    [{ op: 'read', path: 'a', offset: 0 }, /'count' must be a number/],
    [{ op: 'read', path: 'a', offset: 0, count: 1024 * 1024 + 1 }, /'count' is out of range/],
    [{ op: 'read', path: 'a', offset: 1.5, count: 1 }, /whole numbers/],
    [{ op: 'hash', path: 'a'.repeat(5000) }, /longer than/],
    [[1, 2], /must be an object/],
  ])('refuses %j', (header, message) => {
    expect(() => parseRequest(header)).toThrow(message);
  });

  it('never throws anything but a BAD_REQUEST FerryError', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        try {
          parseRequest(value);
        } catch (err) {
          expect(err).toBeInstanceOf(FerryError);
          expect((err as FerryError).code).toBe('BAD_REQUEST');
        }
      }),
    );
  });

  it('accepts a batch of paths and refuses a malformed or oversized one', () => {
    const most = Array.from({ length: MAX_BATCH_FILES }, (_, i) => `f${i}`);
    expect(parseRequest({ op: 'batch', paths: ['a', 'b/c'] })).toEqual({ op: 'batch', paths: ['a', 'b/c'] });
    expect(parseRequest({ op: 'batch', paths: most })).toEqual({ op: 'batch', paths: most });
    // Extra fields are not carried into the typed request.
    expect(parseRequest({ op: 'batch', paths: ['a'], evil: 1 })).toEqual({ op: 'batch', paths: ['a'] });
    for (const [header, message] of [
      [{ op: 'batch' }, /'paths' must be an array of 1 to 256/],
      [{ op: 'batch', paths: [] }, /'paths' must be an array of 1 to 256/],
      [{ op: 'batch', paths: 'a' }, /'paths' must be an array/],
      [{ op: 'batch', paths: { 0: 'a', length: 1 } }, /'paths' must be an array/],
      [{ op: 'batch', paths: [...most, 'one more'] }, /1 to 256 paths/],
      [{ op: 'batch', paths: ['a', 7] }, /'paths' must hold strings/],
      [{ op: 'batch', paths: ['a', null] }, /'paths' must hold strings/],
      [{ op: 'batch', paths: [['a']] }, /'paths' must hold strings/],
      [{ op: 'batch', paths: ['x'.repeat(4097)] }, /longer than 4096 bytes/],
    ] as const) {
      expect(() => parseRequest(header)).toThrow(message);
      expect(() => parseRequest(header)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    }
  });

  it('validates the hello', () => {
    expect(parseHello({ versions: [1], client: 'x' })).toEqual({ versions: [1], client: 'x' });
    expect(() => parseHello({ versions: [] })).toThrow(/versions/);
    expect(() => parseHello({ versions: ['1'] })).toThrow(/versions/);
  });
});
