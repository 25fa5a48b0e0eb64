// Folder names inside a folder, for completing a typed path: on this machine by
// reading the directory alone (no stat per entry, except to follow a link), on
// the server by a one-folder listing through the client API.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FerryApi } from './types.js';

/** Most names a completion looks at: a folder of a million entries still answers quickly. */
export const MAX_FOLDER_NAMES = 10_000;

/** Sub-folder names of the local folder `abs` (links to folders count). Rejects when it cannot be read. */
export async function localFolderNames(abs: string): Promise<string[]> {
  const dirents = await readdir(abs, { withFileTypes: true });
  const out: string[] = [];
  for (const d of dirents) {
    if (out.length >= MAX_FOLDER_NAMES) break;
    if (d.isDirectory()) out.push(d.name);
    else if (d.isSymbolicLink() && (await stat(join(abs, d.name)).catch(() => undefined))?.isDirectory()) out.push(d.name);
  }
  return out;
}

/** Sub-folder names of the share's folder `dir` ('' is the root). Rejects as the listing does. */
export async function remoteFolderNames(api: Pick<FerryApi, 'list'>, dir: string): Promise<string[]> {
  const entries = await api.list({ path: dir, recursive: false, hidden: true });
  const out: string[] = [];
  for (const e of entries) if (e.type === 'dir' && out.length < MAX_FOLDER_NAMES) out.push(e.name);
  return out;
}
