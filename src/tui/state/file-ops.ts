// File operations in the app, the parts without effects: what a dialog asks,
// where a typed destination points, and how a refusal reads. Tested as
// functions; use-file-ops.ts runs them.

import type { Entry, FileOpReason } from '../../client/types.js';
import { formatBytes, plural } from '../../format.js';
import { errorText } from '../errors.js';
import { joinPath } from './pane.js';

export type PaneId = 'local' | 'remote';
export type FileOpKind = 'copy' | 'move' | 'mkdir' | 'delete';

export type FileOpDialog =
  | { kind: 'mkdir'; side: PaneId; folder: string }
  | { kind: 'copy' | 'move'; from: PaneId; entries: readonly Entry[]; to: PaneId; folder: string }
  | { kind: 'delete'; side: PaneId; entries: readonly Entry[]; size: DeleteSize | null };

/** What a delete takes with it: the entries chosen and, once counted, what their folders hold. */
export interface DeleteSize {
  bytes: number;
  /** Files and folders inside the chosen folders. */
  inside: number;
  /** A folder could not be read to its end: bytes and inside are at least these. */
  partial: boolean;
  /** Still counting: these are the figures so far. */
  counting?: boolean;
}

/** The other pane. */
export const otherSide = (p: PaneId): PaneId => (p === 'local' ? 'remote' : 'local');

/** "3 files and 1 folder", "1 folder", "2 files". */
export function describeEntries(entries: readonly Pick<Entry, 'type'>[]): string {
  const folders = entries.filter((e) => e.type === 'dir').length;
  const files = entries.length - folders;
  const parts = [files > 0 ? plural(files, 'file') : '', folders > 0 ? plural(folders, 'folder') : ''].filter(Boolean);
  return parts.join(' and ') || 'nothing';
}

/** The delete question: names what (one entry by name) and how much. */
export function deleteQuestion(entries: readonly Entry[], size: DeleteSize | null): string {
  const what = entries.length === 1 ? `${entries[0]!.type === 'dir' ? 'the folder ' : ''}${entries[0]!.name}` : describeEntries(entries);
  const fileBytes = entries.reduce((n, e) => n + (e.type === 'file' ? e.size : 0), 0);
  const hasFolders = entries.some((e) => e.type === 'dir');
  let amount: string;
  if (!hasFolders) amount = formatBytes(fileBytes);
  else if (size === null) amount = 'counting…';
  else if (size.counting) amount = `counting… ${size.inside.toLocaleString('en-US')} ${size.inside === 1 ? 'entry' : 'entries'}`;
  else {
    const more = size.partial ? 'at least ' : '';
    amount = `${more}${formatBytes(fileBytes + size.bytes)}${size.inside > 0 ? `, ${more}${plural(size.inside, 'entry', 'entries')} inside` : ''}`;
  }
  return `Delete ${what} (${amount})?`;
}

/** The destination field's first text: the folder, from the side's root, ending in '/'. */
export function folderText(folder: string): string {
  return folder === '' ? '/' : `/${folder}/`;
}

/**
 * Where a typed destination points, on its side: a leading '/' counts from
 * the side's root, anything else from the folder shown in the source pane.
 * `into` is true when it names a folder to put entries in (a trailing '/'),
 * false when it may be a new name (one entry only, checked by the caller).
 */
export function destinationOf(text: string, sourceFolder: string): { path: string; into: boolean } {
  const t = text.trim();
  const into = t === '' || t.endsWith('/');
  const rel = t.startsWith('/') ? t.replace(/^\/+/, '') : joinPath(sourceFolder, t);
  return { path: rel.replace(/\/+$/, ''), into };
}

const HINTS: Partial<Record<FileOpReason, string>> = {
  READ_ONLY: 'the server is read-only (start it with --allow-write to allow changes)',
};

/** A failed operation as one line: the server's (or the file system's) words, or a hint for the reasons that need one. */
export function fileOpErrorText(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const hint = typeof code === 'string' ? HINTS[code as FileOpReason] : undefined;
  return hint ?? errorText(err);
}
