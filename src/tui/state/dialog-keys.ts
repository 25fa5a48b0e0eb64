// The keys of whichever question or preview owns the keyboard, for the footer:
// while one is open the panes' keys do nothing, so the bottom row lists what
// does. Pure: App picks the dialog on top, Footer draws the hints.

import type { FileOpDialog } from './file-ops.js';

export interface KeyHint {
  key: string;
  label: string;
}

const h = (key: string, label: string): KeyHint => ({ key, label });

/** A yes/no question (ConfirmDialog): y/Enter and n/Esc. */
export function confirmKeys(yes: string, no: string): KeyHint[] {
  return [h('y/Enter', yes), h('n/Esc', no)];
}

export function fileOpKeys(d: FileOpDialog): KeyHint[] {
  switch (d.kind) {
    case 'mkdir':
      return [h('Enter', 'make'), h('Esc', 'cancel'), h('C-u', 'clear')];
    case 'delete':
      return confirmKeys('delete', 'keep');
    default:
      return [h('Enter', d.kind), h('Tab', d.from === d.to ? 'other side' : 'this side'), h('Esc', 'cancel'), h('C-u', 'clear')];
  }
}

/** ConflictDialog's answers. */
export const CONFLICT_KEYS: readonly KeyHint[] = [
  h('o', 'overwrite'),
  h('s', 'skip'),
  h('b', 'keep both'),
  h('n', 'newer'),
  h('O S B N', 'all the rest'),
  h('Esc', 'skip'),
  h('q', 'quit'),
];

/** SyncPreview's keys, its Tab named for the direction it would switch to. */
export function syncPreviewKeys(direction: 'pull' | 'push'): KeyHint[] {
  return [
    h('Space', 'check'),
    h('a', 'all/none'),
    h('Tab', direction === 'pull' ? 'upload instead' : 'download instead'),
    h('d', 'deletes'),
    h('Enter', 'sync'),
    h('Esc', 'close'),
  ];
}

/** The keys of the question on top, in the order App stacks them; undefined when none is open. */
export function dialogKeysOf(open: {
  fileOp: FileOpDialog | null;
  conflict: boolean;
  resumeOffer: boolean;
  preview: { direction: 'pull' | 'push' } | null | undefined;
}): readonly KeyHint[] | undefined {
  if (open.fileOp) return fileOpKeys(open.fileOp);
  if (open.conflict) return CONFLICT_KEYS;
  if (open.resumeOffer) return confirmKeys('resume', 'forget them');
  if (open.preview) return syncPreviewKeys(open.preview.direction);
  return undefined;
}
