import { describe, expect, it } from 'vitest';
import { applyCompletion, completeName, completionParts, targetOf } from '../../../src/tui/state/goto.js';

describe('targetOf', () => {
  const remote = { side: 'remote' as const, current: 'docs/2024' };
  const local = { side: 'local' as const, current: 'home/me/notes', home: 'home/me' };
  it.each([
    ['sub', remote, 'docs/2024/sub'],
    ['/', remote, ''],
    ['/a//b/./c/', remote, 'a/b/c'],
    ['..', remote, 'docs'],
    ['../../x', remote, 'x'],
    ['~', remote, 'docs/2024/~'],
    ['~', local, 'home/me'],
    ['~/Downloads', local, 'home/me/Downloads'],
    ['/etc', local, 'etc'],
    ['/../..', local, ''],
    ['../../../../..', local, ''],
    ['drafts', local, 'home/me/notes/drafts'],
  ])('%s from %o is %s', (typed, ctx, path) => {
    expect(targetOf(typed, ctx)).toEqual({ path });
  });
  it('refuses to climb out of the share, and an empty line', () => {
    expect(targetOf('../../..', remote)).toEqual({ error: '../../.. is outside the share' });
    expect(targetOf('  ', remote)).toEqual({ error: 'type a folder to go to' });
  });
});

describe('completion', () => {
  it('splits at the last slash', () => {
    expect(completionParts('a/b/ce')).toEqual({ folder: 'a/b/', prefix: 'ce' });
    expect(completionParts('ce')).toEqual({ folder: '', prefix: 'ce' });
    expect(completionParts('/')).toEqual({ folder: '/', prefix: '' });
  });
  it('completes one match whole, several to what they share, case-insensitively as a fallback', () => {
    const names = ['Pasta', 'Pastry', 'Pics', '.git', 'zeta'];
    expect(applyCompletion('/x/Pi', names)).toEqual({ text: '/x/Pics/', matches: ['Pics'] });
    expect(applyCompletion('Pa', names)).toEqual({ text: 'Past', matches: ['Pasta', 'Pastry'] });
    expect(applyCompletion('pi', names)).toEqual({ text: 'Pics/', matches: ['Pics'] });
    expect(applyCompletion('q', names)).toEqual({ text: 'q', matches: [] });
    // Hidden folders only when asked for.
    expect(completeName('', names).matches).toEqual(['Pasta', 'Pastry', 'Pics', 'zeta']);
    expect(applyCompletion('.', names)).toEqual({ text: '.git/', matches: ['.git'] });
    // Case-insensitive matches that share less than was typed keep the typing.
    expect(completeName('PAS', ['pasta', 'Pastry'])).toEqual({ common: 'PAS', matches: ['Pastry', 'pasta'] });
  });
});
