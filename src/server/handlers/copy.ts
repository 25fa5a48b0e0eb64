import type { CopyRequest } from '../../protocol/messages.js';
import type { Handler } from '../context.js';
import { copyEntry } from '../store-writes.js';

/**
 * Copy a file or a folder within the share. The copy is made under a hidden
 * temp name beside its target (the upload temp name, so a dead server's is
 * found at the next start) and renamed into place only when complete: a
 * client never sees half a copy. A file's target may be replaced with
 * `overwrite` (a regular file only); a folder's may not exist. A folder of
 * more than `limits.copyEntries` entries is refused. The source is read
 * through the store (openRead, or held folders below a resolved one), so a
 * copy cannot read outside the share either.
 */
export const copy: Handler<CopyRequest> = (ctx) => copyEntry(ctx);
