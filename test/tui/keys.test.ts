import { describe, expect, it } from 'vitest';
import { BINDINGS, Command, commandFor, footerBindings, helpGroups, setKeyTable, type Scope } from '../../src/tui/keys/bindings.js';
import { displayKey, keyName } from '../../src/tui/keys/key-name.js';
import type { Key } from 'ink';

const none: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

describe('key table', () => {
  it('binds no key twice within a scope', () => {
    const scopes: Scope[] = ['panes', 'logs', 'cache', 'results', 'help', 'transfers'];
    for (const scope of scopes) {
      const seen = new Map<string, Command>();
      for (const b of BINDINGS.filter((x) => x.scopes.includes(scope))) {
        for (const k of b.keys) {
          expect(seen.get(k), `${scope}: ${k} bound to ${seen.get(k)} and ${b.command}`).toBeUndefined();
          seen.set(k, b.command);
        }
      }
    }
  });

  it('binds vim keys and arrows to the same movements', () => {
    expect(commandFor('panes', 'j')).toBe(Command.Down);
    expect(commandFor('panes', 'down')).toBe(Command.Down);
    expect(commandFor('panes', 'k')).toBe(Command.Up);
    expect(commandFor('panes', 'h')).toBe(Command.Parent);
    expect(commandFor('panes', 'backspace')).toBe(Command.Parent);
    expect(commandFor('logs', 'f')).toBe(Command.Follow);
    expect(commandFor('panes', 'f')).toBeUndefined();
  });

  it('offers upload in the footer only on the local pane of a server that allows it', () => {
    const has = (ctx: Parameters<typeof footerBindings>[0], c: Command) => footerBindings(ctx).some((b) => b.command === c);
    expect(has({ scope: 'panes', pane: 'local', uploadAllowed: true }, Command.Upload)).toBe(true);
    expect(has({ scope: 'panes', pane: 'local', uploadAllowed: false }, Command.Upload)).toBe(false);
    expect(has({ scope: 'panes', pane: 'remote', uploadAllowed: true }, Command.Upload)).toBe(false);
    expect(has({ scope: 'panes', pane: 'remote' }, Command.Download)).toBe(true);
    expect(has({ scope: 'logs' }, Command.Follow)).toBe(true);
  });

  it('pauses and cancels the queue from the panes and the transfer list, offering them in the latter footer only', () => {
    for (const scope of ['panes', 'transfers'] as const) {
      expect(commandFor(scope, 'p')).toBe(Command.PauseQueue);
      expect(commandFor(scope, 'X')).toBe(Command.CancelAll);
    }
    const footer = (scope: Scope) => footerBindings({ scope, pane: 'remote' }).map((b) => b.command);
    expect(footer('transfers')).toEqual(expect.arrayContaining([Command.CancelTransfer, Command.PauseQueue, Command.CancelAll]));
    expect(footer('panes')).not.toContain(Command.PauseQueue);
    expect(footer('panes')).not.toContain(Command.CancelAll);
  });

  it('groups every binding for the help overlay', () => {
    expect(helpGroups().flatMap((g) => g.bindings)).toHaveLength(BINDINGS.length);
  });
});

describe('keyName', () => {
  it('names keys the way the table does', () => {
    expect(keyName('j', none)).toBe('j');
    expect(keyName('G', { ...none, shift: true })).toBe('G');
    expect(keyName('', { ...none, downArrow: true })).toBe('down');
    expect(keyName('', { ...none, delete: true })).toBe('backspace');
    expect(keyName('', { ...none, tab: true, shift: true })).toBe('S-tab');
    expect(keyName('c', { ...none, ctrl: true })).toBe('C-c');
    expect(keyName(' ', none)).toBe('space');
    expect(keyName('\r', { ...none, return: true })).toBe('enter');
    expect(displayKey('C-c')).toBe('Ctrl-C');
    expect(displayKey('pagedown')).toBe('PgDn');
  });

  it('tells function keys apart, and Delete from Backspace, by the bytes the terminal sent', () => {
    // Ink reports every function key as an empty input, and both DEL and ESC[3~ as `delete`.
    expect(keyName('', none, '\u001B[15~')).toBe('F5');
    expect(keyName('', none, '\u001B[17~')).toBe('F6');
    expect(keyName('', none, '\u001B[18~')).toBe('F7');
    expect(keyName('', none, '\u001B[19~')).toBe('F8');
    expect(keyName('', { ...none, delete: true }, '\u001B[3~')).toBe('delete');
    expect(keyName('', { ...none, delete: true }, '\u007F')).toBe('backspace');
    expect(displayKey('delete')).toBe('Del');
    expect(commandFor('panes', 'F5')).toBe(Command.Copy);
    expect(commandFor('panes', 'R')).toBe(Command.Move);
    expect(commandFor('panes', 'M')).toBe(Command.MakeFolder);
    expect(commandFor('panes', 'delete')).toBe(Command.Delete);
    expect(commandFor('panes', 'backspace')).toBe(Command.Parent);
    expect(setKeyTable({ delete: ['F8', 'x'] })).toEqual([]);
    expect(commandFor('panes', 'F8')).toBe(Command.Delete);
    setKeyTable({});
  });
});

describe('help texts', () => {
  it('fit a help column (40 columns) so two columns show them whole', () => {
    for (const b of BINDINGS) expect(b.help.length, b.help).toBeLessThanOrEqual(40);
  });
});
