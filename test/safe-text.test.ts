// The one definition of text a terminal must not receive raw from a server.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeControls, escapeDeep, UNSAFE_CHARACTER } from '../src/safe-text.js';

describe('escapeControls', () => {
  it('writes controls, format characters and separators as visible escapes', () => {
    expect(escapeControls('a\u001b[2J\u001b]0;owned\u0007b')).toBe('a\\x1b[2J\\x1b]0;owned\\x07b');
    expect(escapeControls('\u009b31m \u007f \u00ad')).toBe('\\x9b31m \\x7f \\xad');
    expect(escapeControls('evil\u202etxt.exe \u2066 \u200b\ufeff \u2028\u2029')).toBe('evil\\u202etxt.exe \\u2066 \\u200b\\ufeff \\u2028\\u2029');
    expect(escapeControls('tag\u{e0041}')).toBe('tag\\u{e0041}');
  });

  it('leaves ordinary text alone, accents, wide and astral characters included', () => {
    for (const t of ['notes.md', 'café', 'e\u0301', '日本語.txt', '🚢 ferry', 'tab-free', '👨\u200d👩\u200d👧 family', 'می\u200cخواهم'])
      expect(escapeControls(t)).toBe(t);
  });

  it('never lets an unsafe character through, and is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const once = escapeControls(s);
        expect(UNSAFE_CHARACTER.test(once)).toBe(false);
        expect(escapeControls(once)).toBe(once);
      }),
    );
  });
});

describe('escapeDeep', () => {
  it('escapes every string, keys and nested values, and keeps other values', () => {
    expect(escapeDeep({ 'k\u001b': ['v\u0007', { n: 1, b: true, z: null }] })).toEqual({ 'k\\x1b': ['v\\x07', { n: 1, b: true, z: null }] });
  });
});
