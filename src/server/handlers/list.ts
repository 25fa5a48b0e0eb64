import { ErrorCode, FerryError } from '../../protocol/errors.js';
import type { ListRequest, WireEntry } from '../../protocol/messages.js';
import type { Handler } from '../context.js';
import type { HashIndex } from '../hash-index.js';
import { listEntries, type WalkItem } from '../listing.js';
import { mapLimit } from '../map-limit.js';
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
  // With blake3 every item listed is kept until its batch is hashed (one batch, at most STEP_ENTRIES).
  const items: WalkItem[] = [];
  const onItem = ctx.request.blake3 ? (item: WalkItem) => void items.push(item) : ctx.request.recursive ? undefined : warm;
  for await (const batch of stepByTurn(listEntries(store, ctx.request, ctx.signal, onItem), walkSteps, ctx.signal)) {
    if (batch.length === 0) continue;
    if (ctx.request.blake3) await withHashes(hashes, batch, items.splice(0, batch.length));
    count += batch.length;
    await ctx.item({ entries: batch });
  }
  // A walk stops quietly when cancelled; the request did not complete, and the log says so.
  if (ctx.signal.aborted) throw ctx.signal.reason;
  ctx.note({ results: count });
  return { count };
};

/**
 * Put each file's BLAKE3 root into its entry: from the index when the file is
 * unchanged, else read by the hash workers, two files per worker at a time
 * (one read, one queued), so one listing cannot flood the pool.
 */
async function withHashes(hashes: HashIndex, batch: WireEntry[], items: WalkItem[]): Promise<void> {
  const files: { item: WalkItem; entry: WireEntry }[] = [];
  items.forEach((item, i) => {
    const entry = batch[i]!;
    if (entry.type !== 'file') return;
    // Most files of a tree compared before are known: answered here, without a promise each.
    const known = hashes.knownRoot(item.stat);
    if (known) entry.blake3 = known;
    else files.push({ item, entry });
  });
  await mapLimit(files, hashes.workers * 2, async ({ item, entry }) => {
    try {
      entry.blake3 = (await hashes.chunks(item.abs, item.stat)).blake3;
    } catch (err) {
      entry.hashError = err instanceof FerryError ? err.code : ErrorCode.Internal;
    }
  });
}
