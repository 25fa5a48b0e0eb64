// Widths and cuts for names people really have: emoji built of several code
// points, flags, wide CJK, accents as combining marks. A row that miscounts one
// of these wraps, and a wrapped row breaks the frame.

import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { displayWidth, fit, sanitize, truncate, truncateStart } from '../../src/tui/text.js';

const FAMILY = '👨\u200d👩\u200d👧';
const FLAG = '🇫🇷';
const NAMES = [`${FAMILY} family.txt`, `${FLAG} voyage.md`, '漢字のメモ.txt', 'cafe\u0301.txt', '⚠️ read me', '✓ done'];

describe('text widths', () => {
  it('counts columns as the terminal (and Ink) do', () => {
    expect(displayWidth(FAMILY)).toBe(2);
    expect(displayWidth(FLAG)).toBe(2);
    expect(displayWidth('漢字')).toBe(4);
    expect(displayWidth('cafe\u0301')).toBe(4);
    expect(displayWidth('⚠️')).toBe(2);
    for (const n of NAMES) expect(displayWidth(n)).toBe(stringWidth(n));
  });

  it('fits every name into exactly the width asked, at every width', () => {
    for (const name of NAMES) {
      for (let width = 1; width <= displayWidth(name) + 2; width++) {
        expect(stringWidth(fit(name, width)), `${name} at ${width}`).toBe(width);
        expect(stringWidth(fit(name, width, 'right')), `${name} at ${width}, right`).toBe(width);
      }
    }
  });

  it('cuts between graphemes: an emoji or an accented letter is kept whole or left out', () => {
    expect(truncate(`${FAMILY} family.txt`, 4)).toBe(`${FAMILY} …`);
    expect(truncate(`${FAMILY} family.txt`, 2)).toBe('…');
    expect(truncate('cafe\u0301 au lait', 5)).toBe('cafe\u0301…');
    expect(truncateStart(`notes/${FLAG}`, 4)).toBe(`…/${FLAG}`);
    // Never half a wide character: 漢 is two columns.
    expect(truncate('漢字のメモ', 4)).toBe('漢…');
  });

  it('keeps joiners in names but turns controls into one column each', () => {
    expect(sanitize(FAMILY)).toBe(FAMILY);
    expect(sanitize('a\u001b[2Jb')).toBe('a?[2Jb');
  });
});
