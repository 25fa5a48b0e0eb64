import type { RemoveRequest } from '../../protocol/messages.js';
import type { Handler } from '../context.js';
import { removeEntry } from '../store-writes.js';

/**
 * Remove a file (or a link: the link itself, never what it names), an empty
 * folder, or with `recursive` a folder and everything in it. A recursive
 * remove deletes at most `limits.removeEntries` entries per request and then
 * answers `more: true`; the client asks again. ITEMs `{removed}` report
 * progress. The share root, and a folder holding ferry's own state, are
 * never removed; each removed file's hashes are forgotten.
 */
export const remove: Handler<RemoveRequest> = (ctx) => removeEntry(ctx);
