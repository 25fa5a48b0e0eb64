import { describe, expect, it } from 'vitest';
import { MouseReader, parseSgrMouse } from '../../src/tui/keys/mouse.js';

const ESC = '\u001B';
const none = { shift: false, meta: false, ctrl: false };

describe('SGR mouse reports', () => {
  it.each([
    [`${ESC}[<0;10;5M`, { kind: 'press', button: 'left', x: 10, y: 5, ...none }],
    [`${ESC}[<0;10;5m`, { kind: 'release', button: 'left', x: 10, y: 5, ...none }],
    [`${ESC}[<1;1;1M`, { kind: 'press', button: 'middle', x: 1, y: 1, ...none }],
    [`${ESC}[<2;300;90M`, { kind: 'press', button: 'right', x: 300, y: 90, ...none }],
    [`${ESC}[<64;3;4M`, { kind: 'wheel', button: 'none', wheel: 'up', x: 3, y: 4, ...none }],
    [`${ESC}[<65;3;4M`, { kind: 'wheel', button: 'none', wheel: 'down', x: 3, y: 4, ...none }],
    [`${ESC}[<20;7;8M`, { kind: 'press', button: 'left', x: 7, y: 8, shift: true, meta: false, ctrl: true }],
    [`${ESC}[<8;7;8M`, { kind: 'press', button: 'left', x: 7, y: 8, shift: false, meta: true, ctrl: false }],
    // As Ink hands it on: the ESC already taken off.
    ['[<0;12;3M', { kind: 'press', button: 'left', x: 12, y: 3, ...none }],
  ])('%j', (bytes, event) => {
    expect(parseSgrMouse(bytes)).toEqual(event);
  });

  it.each([
    ['j'],
    [`${ESC}[A`],
    ['[<0;10M'],
    [`${ESC}[<0;0;5M`],
    [`${ESC}[<32;10;5M`], // motion: never asked for
    [`${ESC}[<66;10;5M`], // a horizontal wheel
    [`${ESC}[<0;10;5X`],
    [`${ESC}[0;10;5M`], // urxvt's encoding, not asked for
  ])('%j is not a report acted on', (bytes) => {
    expect(parseSgrMouse(bytes)).toBeNull();
  });
});

describe('MouseReader', () => {
  it('passes keys and text, takes reports, swallows garbled and unused ones', () => {
    const r = new MouseReader();
    expect(r.read('j')).toEqual({ pass: 'j' });
    expect(r.read('hello')).toEqual({ pass: 'hello' });
    expect(r.read(`${ESC}[<0;10;5M`)).toMatchObject({ mouse: { kind: 'press', x: 10, y: 5 } });
    expect(r.read('[<32;10;5M')).toEqual({ swallow: true });
    expect(r.read('[<0;1')).toEqual({ swallow: true });
    expect(r.read('[')).toEqual({ pass: '[' });
  });

  it('skips the three raw bytes of the old encoding, even with keys after them', () => {
    const r = new MouseReader();
    // ESC [ M, then button 0 (+32) at column 1, row 1 (+32 each): ' !!'
    expect(r.read('[M')).toEqual({ swallow: true });
    expect(r.read(' !!')).toEqual({ swallow: true });
    expect(r.read('q')).toEqual({ pass: 'q' });
    expect(r.read(`${ESC}[M`)).toEqual({ swallow: true });
    expect(r.read(' ')).toEqual({ swallow: true });
    expect(r.read('!!jk')).toEqual({ pass: 'jk' });
  });
});
