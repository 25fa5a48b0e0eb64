import type { ListRequest } from '../../protocol/messages.js';
import type { Handler } from '../context.js';
import { listEntries } from '../listing.js';

/** Listing: entries go out in ITEM batches as the walk finds them; REPLY carries the count. */
export const list: Handler<ListRequest> = async (ctx) => {
  let count = 0;
  for await (const batch of listEntries(ctx.services.store, ctx.request, ctx.signal)) {
    if (batch.length === 0) continue;
    count += batch.length;
    ctx.item({ entries: batch });
  }
  ctx.note({ results: count });
  return { count };
};
