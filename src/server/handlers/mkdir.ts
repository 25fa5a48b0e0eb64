import type { MkdirRequest } from '../../protocol/messages.js';
import type { Handler } from '../context.js';
import { makeFolder } from '../store-writes.js';

/**
 * Make a folder inside its held parent (ShareStore.withParent). With
 * `parents` the folders above it are made first, and an existing folder is
 * not an error (like mkdir -p); without, an existing name is EXISTS.
 */
export const mkdir: Handler<MkdirRequest> = (ctx) => makeFolder(ctx);
