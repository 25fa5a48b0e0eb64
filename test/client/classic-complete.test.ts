import { describe, expect, it } from 'vitest';
import { completeLine } from '../../src/client/classic-complete.js';

describe('completeLine', () => {
  const cases: Array<[string, string, string[], string, string, string[]]> = [
    ['no hit: unchanged', 'FileHash verify zz', [], 'zz', 'FileHash verify zz', []],
    ['one hit replaces the partial word', 'FileHash verify li', ['like.txt'], 'li', 'FileHash verify like.txt', []],
    ['several extend to what they share', 'FileHash verify 1', ['160.jpg', '163.jpg'], '1', 'FileHash verify 16', ['160.jpg', '163.jpg']],
    ['several sharing nothing more leave the line', 'FileHash verify 16', ['160.jpg', '163.jpg'], '16', 'FileHash verify 16', ['160.jpg', '163.jpg']],
    [
      'command words, case-insensitively, in their spelling',
      'fileh',
      ['FileHash verify ', 'FileHash checkall'],
      'fileh',
      'FileHash ',
      ['FileHash verify ', 'FileHash checkall'],
    ],
    ['a quoted name stays quoted', 'FileDownload TCP "my', ['"my notes.txt"'], '"my', 'FileDownload TCP "my notes.txt"', []],
  ];
  it.each(cases)('%s', (_name, line, hits, partial, out, choices) => {
    expect(completeLine(line, { hits, partial })).toEqual({ line: out, choices });
  });
});
