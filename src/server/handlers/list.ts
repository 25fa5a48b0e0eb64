import type { ListRequest } from '../../protocol/messages.js';
import type { Handler } from '../context.js';
import { listEntries } from '../listing.js';
import { stepByTurn } from '../turns.js';

/** Listing: entries go out in ITEM batches as the walk finds them; REPLY carries the count. */
export const list: Handler<ListRequest> = async (ctx) => {
  let count = 0;
  const { store, walkSteps } = ctx.services;
  for await (const batch of stepByTurn(listEntries(store, ctx.request, ctx.signal), walkSteps, ctx.signal)) {
    if (batch.length === 0) continue;
    count += batch.length;
    await ctx.item({ entries: batch });
  }
  // A walk stops quietly when cancelled; the request did not complete, and the log says so.
  if (ctx.signal.aborted) throw ctx.signal.reason;
  ctx.note({ results: count });
  return { count };
};
