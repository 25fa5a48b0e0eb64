import { describe, expect, it } from 'vitest';
import { filterChips, hasFilters, normalizeExt, parseLocalTime } from '../../../src/tui/state/filters.js';

describe('parseLocalTime', () => {
  it('accepts the three classic spellings in local time', () => {
    const expected = new Date(2020, 0, 12, 10, 0, 5).getTime();
    expect(parseLocalTime('2020-01-12 10:00:05')).toBe(expected);
    expect(parseLocalTime('2020-01-12T10:00:05')).toBe(expected);
    expect(parseLocalTime('2020-01-12')).toBe(new Date(2020, 0, 12).getTime());
  });

  it('treats a bare end date as the end of that day', () => {
    expect(parseLocalTime('2020-01-12', true)).toBe(new Date(2020, 0, 13).getTime());
    expect(parseLocalTime('2020-01-12 10:00:00', true)).toBe(new Date(2020, 0, 12, 10).getTime());
  });

  it('rejects impossible dates and garbage', () => {
    expect(parseLocalTime('2020-02-31')).toBeNull();
    expect(parseLocalTime('2020-13-01 00:00:00')).toBeNull();
    expect(parseLocalTime('yesterday-ish')).toBeNull();
    expect(parseLocalTime('')).toBeNull();
  });
});

describe('extensions and chips', () => {
  it('normalises extensions', () => {
    expect(normalizeExt('JPG')).toBe('.jpg');
    expect(normalizeExt('*.Txt')).toBe('.txt');
    expect(normalizeExt('.md')).toBe('.md');
    expect(normalizeExt('  ')).toBeUndefined();
  });

  it('shows a chip per active filter', () => {
    const after = new Date(2020, 2, 10).getTime();
    const before = new Date(2030, 0, 1, 12, 30).getTime();
    expect(filterChips({ ext: '.jpg', after, before, keyword: 'todo' })).toEqual(['[ext .jpg]', '[2020-03-10 → 2030-01-01 12:30]', '[grep "todo"]']);
    expect(filterChips({ after })).toEqual(['[2020-03-10 → …]']);
    expect(filterChips({})).toEqual([]);
    expect(hasFilters({})).toBe(false);
    expect(hasFilters({ keyword: '' })).toBe(false);
    expect(hasFilters({ before: 0 })).toBe(true);
  });
});
