import { describe, expect, it } from 'vitest';
import { initialLine, lineActionFor, lineReducer, type LineAction, type LineState } from '../../../src/tui/state/line-editor.js';

const run = (s: LineState, ...as: LineAction[]) => as.reduce(lineReducer, s);

describe('lineReducer', () => {
  it('inserts at the cursor, deletes before it, moves', () => {
    let s = run(initialLine(), { type: 'insert', text: 'helo' }, { type: 'left' }, { type: 'insert', text: 'l' });
    expect(s.text).toBe('hello');
    s = run(s, { type: 'home' }, { type: 'backspace' }, { type: 'end' }, { type: 'backspace' });
    expect([s.text, s.cursor]).toEqual(['hell', 4]);
    expect(run(s, { type: 'clear' }).text).toBe('');
  });

  it('strips control characters from pasted text', () => {
    expect(run(initialLine(), { type: 'insert', text: 'a\nb\u001bc' }).text).toBe('abc');
  });

  it('browses history and comes back to the draft', () => {
    let s = initialLine('', ['one', 'two']);
    s = run(s, { type: 'insert', text: 'dr' }, { type: 'historyUp' });
    expect(s.text).toBe('two');
    s = run(s, { type: 'historyUp' }, { type: 'historyUp' });
    expect(s.text).toBe('one');
    s = run(s, { type: 'historyDown' }, { type: 'historyDown' });
    expect(s.text).toBe('dr');
  });

  it('commit adds to history without repeating the last entry', () => {
    let s = run(initialLine('', ['a']), { type: 'set', text: 'b' }, { type: 'commit' });
    expect(s.history).toEqual(['a', 'b']);
    s = run(s, { type: 'set', text: 'b' }, { type: 'commit' });
    expect(s.history).toEqual(['a', 'b']);
    expect(s.text).toBe('');
  });

  it('maps keys to edits; arrows reach history only where there is one', () => {
    expect(lineActionFor('up', '', true)).toEqual({ type: 'historyUp' });
    expect(lineActionFor('up', '', false)).toBeUndefined();
    expect(lineActionFor('q', 'q', false)).toEqual({ type: 'insert', text: 'q' });
    expect(lineActionFor('C-u', '', false)).toEqual({ type: 'clear' });
  });
});
