import type { MoveRequest } from '../../protocol/messages.js';
import type { Handler } from '../context.js';
import { moveEntry } from '../store-writes.js';

/**
 * Rename a file or folder within the share: one rename(2) between two held
 * folders (ShareStore.withParent), so the entry is never copied and never
 * half there. A name already taken is refused (EXISTS) unless `overwrite`,
 * which replaces a regular file with a regular file and nothing else. The
 * no-clobber case stays no-clobber under a race: a file is linked to its new
 * name (link() fails if the name appeared) and then unlinked from the old, a
 * folder's new name is claimed with mkdir() and the rename then replaces
 * only that empty placeholder. Hashes stay valid: the identity (dev, ino,
 * size, mtime) moves with the file; a replaced file's are forgotten.
 */
export const move: Handler<MoveRequest> = (ctx) => moveEntry(ctx);
