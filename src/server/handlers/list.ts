import type { ListRequest } from '../../protocol/messages.js';
import type { Handler } from '../context.js';
import { listEntries, type WalkItem } from '../listing.js';
import { stepByTurn } from '../turns.js';

/** Listing: entries go out in ITEM batches as the walk finds them; REPLY carries the count. */
export const list: Handler<ListRequest> = async (ctx) => {
  let count = 0;
  const { store, walkSteps, hashes } = ctx.services;
  // Files people list are the ones they download next: hash them in the background.
  const warm = (item: WalkItem) => item.entry.type === 'file' && hashes.warm(item.abs, item.stat);
  for await (const batch of stepByTurn(listEntries(store, ctx.request, ctx.signal, warm), walkSteps, ctx.signal)) {
    if (batch.length === 0) continue;
    count += batch.length;
    await ctx.item({ entries: batch });
  }
  // A walk stops quietly when cancelled; the request did not complete, and the log says so.
  if (ctx.signal.aborted) throw ctx.signal.reason;
  ctx.note({ results: count });
  return { count };
};
