// The filter rules both sides share (protocol/filter.ts), as pure functions.

import { describe, expect, it } from 'vitest';
import { BINARY_SNIFF_BYTES, caseSensitive, cheapMatcher, extMatcher, filesOnly, isFiltering, keywordScan, nameMatcher } from '../../src/protocol/filter.js';

/** Feed `text` to a keyword scan in pieces of `size` bytes. */
function scanInPieces(keyword: string, bytes: Buffer, size: number): boolean {
  const scan = keywordScan(keyword);
  for (let i = 0; i < bytes.length; i += size) {
    const verdict = scan.push(bytes.subarray(i, i + size));
    if (verdict !== 'more') return verdict === 'match';
  }
  return scan.end();
}

describe('filter rules', () => {
  it.each([
    ['rep', 'Report.txt', true],
    ['rep', 'REPORT', true],
    ['Rep', 'report.txt', false],
    ['Rep', 'Report.txt', true],
    ['', 'anything', true],
    ['ä', 'BÄR', true],
    ['Ä', 'bär', false],
    ['port.t', 'report.txt', true],
  ])('name %j in %j: %s', (query, name, expected) => {
    expect(nameMatcher(query)(name)).toBe(expected);
  });

  it('is case-sensitive only with a capital letter', () => {
    expect(caseSensitive('abc')).toBe(false);
    expect(caseSensitive('a1_.')).toBe(false);
    expect(caseSensitive('aBc')).toBe(true);
    expect(caseSensitive('É')).toBe(true);
  });

  it.each([
    ['txt', 'a.TXT', true],
    ['*.txt', 'a.txt', true],
    ['.txt', '.txt', false],
    ['txt, MD', 'b.md', true],
    ['txt,md', 'c.gz', false],
    ['tar.gz', 'x.TAR.GZ', true],
  ])('ext %j keeps %j: %s', (ext, name, expected) => {
    expect(extMatcher(ext)!(name)).toBe(expected);
  });

  it('has no ext filter for nothing, a star or commas alone', () => {
    expect(extMatcher(undefined)).toBeUndefined();
    expect(extMatcher('')).toBeUndefined();
    expect(extMatcher('*')).toBeUndefined();
    expect(extMatcher(' , ')).toBeUndefined();
  });

  it('keeps times strictly inside the range, and knows which filters keep only files', () => {
    const m = cheapMatcher({ after: 10, before: 20 })!;
    expect([10, 11, 19, 20].map((mtimeMs) => m({ name: 'x', mtimeMs }))).toEqual([false, true, true, false]);
    expect(cheapMatcher({})).toBeUndefined();
    expect(filesOnly({ name: 'x' })).toBe(false);
    expect(isFiltering({ name: 'x' })).toBe(true);
    expect(filesOnly({ keyword: '' })).toBe(false);
    expect(filesOnly({ ext: 'txt' })).toBe(true);
    expect(filesOnly({ before: 0 })).toBe(true);
  });

  it.each([
    ['budget', 'The Budget for 2026', true],
    ['Budget', 'the budget for 2026', false],
    ['Budget', 'the Budget', true],
    ['a,b', 'a or b', false],
    ['a,b', 'x a,b y', true],
    ['straße', 'STRASSE straße', true],
    ['', 'any text', true],
  ])('keyword %j in %j: %s, whatever the pieces', (keyword, text, expected) => {
    for (const size of [1, 2, 3, 7, 1024]) expect(scanInPieces(keyword, Buffer.from(text), size)).toBe(expected);
  });

  it('finds a keyword split between pieces, even inside a character', () => {
    const text = Buffer.from(`${'x'.repeat(10_000)}héllo`);
    for (let size = 1; size < 12; size++) expect(scanInPieces('HÉLLO'.toLowerCase(), text, size)).toBe(true);
  });

  it('never matches a file with a NUL in its first 8 KiB, and decides only once it has seen them', () => {
    const body = Buffer.alloc(BINARY_SNIFF_BYTES + 10, 'a');
    body.write('key', 0);
    body[BINARY_SNIFF_BYTES - 1] = 0;
    expect(scanInPieces('key', body, 100)).toBe(false);
    body[BINARY_SNIFF_BYTES - 1] = 97;
    body[BINARY_SNIFF_BYTES + 1] = 0; // past the window: text
    expect(scanInPieces('key', body, 100)).toBe(true);
    const scan = keywordScan('key');
    expect(scan.push(Buffer.from('key'))).toBe('more');
    expect(scan.end()).toBe(true);
  });
});
