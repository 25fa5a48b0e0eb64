// Tokens: what `--token auto` makes, and which chosen tokens `ferry serve` refuses.

import { describe, expect, it } from 'vitest';
import { generateToken, tokenWeakness } from '../../src/protocol/auth.js';

describe('generateToken', () => {
  it('makes 256 random bits, written URL-safe', () => {
    const tokens = Array.from({ length: 200 }, generateToken);
    for (const t of tokens) {
      expect(t).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(Buffer.from(t, 'base64url')).toHaveLength(32);
      expect(Buffer.from(t, 'base64url').toString('base64url')).toBe(t);
    }
    expect(new Set(tokens).size).toBe(tokens.length);
    // Every bit position takes both values across 200 tokens: the bytes are not padding.
    const bytes = tokens.map((t) => Buffer.from(t, 'base64url'));
    for (let bit = 0; bit < 256; bit++) {
      const ones = bytes.filter((b) => (b[bit >> 3]! >> (bit & 7)) & 1).length;
      expect(ones, `bit ${bit}`).toBeGreaterThan(0);
      expect(ones, `bit ${bit}`).toBeLessThan(bytes.length);
    }
  });

  it('is not weak by its own rules', () => {
    for (let i = 0; i < 200; i++) expect(tokenWeakness(generateToken())).toBeUndefined();
  });
});

describe('tokenWeakness', () => {
  it.each([
    ['sunshine123', /shorter than 16/],
    ['', /shorter than 16/],
    ['aaaaaaaaaaaaaaaaaaaaaaaa', /too few different characters/],
    ['passwordpassword', /too few different characters/],
    ['abcdefghijklmnopqrstuvwxyz', /mostly a run/],
    ['12345678901234567890', /mostly a run/],
    ['zyxwvutsrqponmlkjihg', /mostly a run/],
  ])('refuses %j', (token, why) => {
    expect(tokenWeakness(token)).toMatch(why);
  });

  it.each(['correct horse battery staple', 'Tr0ub4dor&3-plus-more', 'q8Zr-2mYw_7Lp4Xv'])('accepts %j', (token) => {
    expect(tokenWeakness(token)).toBeUndefined();
  });
});
