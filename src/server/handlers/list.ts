import type { ListRequest } from '../../protocol/messages.js';
import type { Handler } from '../context.js';
import { listEntries, type WalkItem } from '../listing.js';
import { stepByTurn } from '../turns.js';

/** Files of one listing queued for background hashing at most. */
const WARM_PER_LISTING = 256;

/** Listing: entries go out in ITEM batches as the walk finds them; REPLY carries the count. */
export const list: Handler<ListRequest> = async (ctx) => {
  let count = 0;
  const { store, walkSteps, hashes } = ctx.services;
  // Files in a folder someone browses are the ones they download next: hash
  // them in the background. A recursive listing is a search, not browsing; it
  // queues nothing (warming every file of 100,000 halved its speed).
  let warmed = 0;
  const warm = (item: WalkItem) => item.entry.type === 'file' && warmed++ < WARM_PER_LISTING && hashes.warm(item.abs, item.stat);
  const onItem = ctx.request.recursive ? undefined : warm;
  for await (const batch of stepByTurn(listEntries(store, ctx.request, ctx.signal, onItem), walkSteps, ctx.signal)) {
    if (batch.length === 0) continue;
    count += batch.length;
    await ctx.item({ entries: batch });
  }
  // A walk stops quietly when cancelled; the request did not complete, and the log says so.
  if (ctx.signal.aborted) throw ctx.signal.reason;
  ctx.note({ results: count });
  return { count };
};
