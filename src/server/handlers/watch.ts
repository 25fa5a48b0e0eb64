// Following a folder: ITEM {ready} once it is watched, then ITEMs of changes
// until the client cancels or goes away. The watching itself is the hub's
// (server/watch/); this only turns its batches into frames.

import { MAX_HEADER_BYTES } from '../../protocol/limits.js';
import type { WatchRequest } from '../../protocol/messages.js';
import type { Handler } from '../context.js';
import type { Subscription } from '../watch/subscription.js';

/** JSON budget for one batch of events: an ITEM header `{"events":[...]}` stays under MAX_HEADER_BYTES. */
const BATCH_JSON_BUDGET = MAX_HEADER_BYTES - 1024;

export const watch: Handler<WatchRequest> = async (ctx) => {
  const { path = '', recursive = false } = ctx.request;
  // A recursive watch starts with a walk of the tree below (to watch its
  // folders): it waits for a turn among the server's walks like a listing.
  const release = recursive ? await ctx.services.walks.acquire(ctx.signal) : undefined;
  let sub: Subscription;
  try {
    sub = await ctx.services.watches.subscribe(path, recursive, ctx.client);
  } finally {
    release?.();
  }
  // The log line (written when the watch ends) says how much it was told.
  const sent = { events: 0, rescans: 0 };
  try {
    await ctx.item({ ready: true, path: sub.pending.root });
    // A client that stops reading holds this loop in ctx.item; meanwhile its
    // changes pile up in the bounded map and turn into one rescan.
    for (;;) {
      const events = await sub.next(ctx.signal, BATCH_JSON_BUDGET);
      if (events.length === 0) continue;
      sent.events += events.length;
      sent.rescans += events.filter((e) => e.kind === 'rescan').length;
      await ctx.item({ events });
    }
  } finally {
    ctx.note(sent);
    sub.close();
  }
};
