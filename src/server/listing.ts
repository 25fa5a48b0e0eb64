// The listing walk behind `index` (and `hashall`, which hashes what a listing
// would show). Every folder read goes through ShareStore.childBatches, so the walk
// never leaves the share and never shows ferry's own temp files.
//
// Filters follow protocol/filter.ts, the rules the client's local folder uses too.
//
// Order: directory order, as the file system hands entries out. Sorting would
// mean holding a whole folder; clients sort what they show (FerryClient.list).

import path from 'node:path';
import type { Stats } from 'node:fs';
import { LIST_BATCH, MAX_HEADER_BYTES } from '../protocol/limits.js';
import type { ListRequest, WireEntry } from '../protocol/messages.js';
import { cheapMatcher, filesOnly, nameMatcher } from '../protocol/filter.js';
import { fileContains } from './keyword.js';
import { mapLimit } from './map-limit.js';
import type { Child, ShareStore } from './store.js';

export interface WalkItem {
  entry: WireEntry;
  abs: string;
  stat: Stats;
}

export type WalkOptions = Omit<ListRequest, 'op'>;

/** Files searched for a keyword at once: enough to overlap I/O, few enough to leave the disk to transfers. */
const KEYWORD_CONCURRENCY = 8;
/** Files per keyword slice, so matches in a huge folder stream out instead of waiting for the whole folder. */
const KEYWORD_SLICE = 64;
/** JSON budget for one batch: an ITEM header `{"entries":[...]}` must stay under MAX_HEADER_BYTES. */
const BATCH_JSON_BUDGET = MAX_HEADER_BYTES - 1024;
/**
 * Entries per ITEM (at most LIST_BATCH, the protocol's limit). A batch is also
 * one turn of a walk among the server's others (turns.ts, stepByTurn): with 40
 * walks open, a short listing waits for 40 of these, so they are kept small.
 */
const STEP_ENTRIES = Math.min(128, LIST_BATCH);
/** A partial batch is sent after this long, so slow filtered walks still show progress. */
const BATCH_MAX_WAIT_MS = 250;
/** Room kept per file in a listing with hashes: `,"blake3":"<64 hex>"` (a `hashError` is shorter). */
const HASH_FIELD_BYTES = 80;
/**
 * Folders deeper than this below the walk's start are listed but not entered:
 * each open level holds two descriptors, and a path of 4 KiB could nest 2,000
 * levels. Real trees are far shallower.
 */
export const MAX_WALK_DEPTH = 128;

export { extMatcher } from '../protocol/filter.js';

interface Chain {
  key: string;
  up: Chain | undefined;
}

function toItem(c: { name: string; rel: string; abs: string; stat: Stats; broken?: Child['broken']; target?: string }): WalkItem {
  if (c.broken) {
    const entry: WireEntry = { path: c.rel, name: c.name, ext: '', size: 0, mtimeMs: c.stat.mtimeMs, type: 'link', link: c.broken };
    if (c.target !== undefined) entry.target = c.target;
    return { entry, abs: c.abs, stat: c.stat };
  }
  const dir = c.stat.isDirectory();
  return {
    entry: {
      path: c.rel,
      name: c.name,
      ext: dir ? '' : path.posix.extname(c.name).toLowerCase(),
      size: dir ? 0 : c.stat.size,
      mtimeMs: c.stat.mtimeMs,
      type: dir ? 'dir' : 'file',
    },
    abs: c.abs,
    stat: c.stat,
  };
}

/**
 * Walk the share from req.path, yielding what a client may see a slice at a
 * time (at most STAT_SLICE entries, in directory order: sorting is the
 * client's business). With any filter active only matching files are
 * yielded. Stops quietly when `signal` aborts. A start path that is a file
 * yields that file alone (if it matches). Throws a coded error only for the
 * start path; unreadable folders further down are skipped.
 *
 * Memory does not grow with the share: depth first, each level holds one
 * open folder (streamed by ShareStore.childBatches) and the sub-folders of
 * its current slice, never a whole folder or a list of every folder still to
 * visit. So a walk holds at most MAX_WALK_DEPTH levels of one slice each, and
 * two descriptors a level (the held folder and its reader).
 */
export async function* walkShare(store: ShareStore, req: WalkOptions, signal?: AbortSignal): AsyncGenerator<WalkItem[]> {
  const start = await store.resolve(req.path ?? '');
  const matches = cheapMatcher(req);
  const cheap = matches && ((c: Child) => matches({ name: c.name, mtimeMs: c.stat.mtimeMs }));
  const keyword = req.keyword || undefined;
  const named = req.name ? nameMatcher(req.name) : undefined;
  const onlyFiles = filesOnly(req);
  const recursive = req.recursive !== false;

  const keepFiles = async (files: Child[]): Promise<Child[]> => {
    const cheapOk = files.filter((c) => (!named || named(c.name)) && (!cheap || cheap(c)));
    if (keyword === undefined) return cheapOk;
    const hits = await mapLimit(cheapOk, KEYWORD_CONCURRENCY, (c) => fileContains(c.abs, keyword, { signal, expect: c.stat }));
    return cheapOk.filter((_, i) => hits[i]);
  };

  if (start.stat.isFile()) {
    const name = start.rel.split('/').at(-1) ?? start.rel;
    const self = { name, rel: start.rel, abs: start.abs, stat: start.stat, link: false };
    const kept = await keepFiles([self]);
    if (kept.length > 0 && !signal?.aborted) yield kept.map(toItem);
    return;
  }

  interface Level {
    slices: AsyncGenerator<Child[]>;
    /** Sub-folders of the slice just read, still to be entered. */
    pending: Child[];
    /** This folder and its ancestors, so a symlink loop is entered once, not forever. */
    chain: Chain;
  }
  const enter = (dir: { abs: string; rel: string; stat: Stats }, up: Chain | undefined): Level => ({
    slices: store.childBatches(dir),
    pending: [],
    chain: { key: `${dir.stat.dev}:${dir.stat.ino}`, up },
  });
  const stack: Level[] = [enter(start, undefined)];
  let first = true;
  try {
    while (stack.length > 0) {
      if (signal?.aborted) return;
      const level = stack.at(-1)!;
      const sub = level.pending.shift();
      if (sub) {
        const key = `${sub.stat.dev}:${sub.stat.ino}`;
        let loop = false;
        for (let c: Chain | undefined = level.chain; c && !loop; c = c.up) loop = c.key === key;
        if (!loop && stack.length < MAX_WALK_DEPTH) stack.push(enter(sub, level.chain));
        continue;
      }
      let next: IteratorResult<Child[]>;
      try {
        next = await level.slices.next();
      } catch (err) {
        if (first) throw err;
        stack.pop(); // a folder that cannot be read further down is skipped
        continue;
      }
      first = false;
      if (next.done) {
        stack.pop();
        continue;
      }
      const kids = req.hidden ? next.value : next.value.filter((c) => !c.name.startsWith('.'));
      const dirs = kids.filter((c) => !c.broken && c.stat.isDirectory());
      const files = kids.filter((c) => !c.broken && c.stat.isFile());
      // Broken links are shown where folders are: in a plain listing, not among
      // the results of a filter (they have no content, size or extension to match).
      const filtering = onlyFiles || named !== undefined;
      const links = filtering ? [] : kids.filter((c) => c.broken);
      const shownDirs = onlyFiles ? [] : named ? dirs.filter((d) => named(d.name)) : dirs;
      if (shownDirs.length + links.length > 0) yield [...shownDirs, ...links].map(toItem);
      for (let i = 0; i < files.length; i += KEYWORD_SLICE) {
        const kept = await keepFiles(files.slice(i, i + KEYWORD_SLICE));
        if (signal?.aborted) return;
        if (kept.length > 0) yield kept.map(toItem);
      }
      if (recursive) level.pending = dirs;
    }
  } finally {
    // Left early (aborted, or the consumer stopped): close every folder still open.
    for (const level of stack) await level.slices.return(undefined).catch(() => undefined);
  }
}

/**
 * Listing for the wire: walkShare regrouped into batches of at most STEP_ENTRIES
 * entries whose JSON fits one ITEM header. A partial batch is flushed after
 * BATCH_MAX_WAIT_MS so a slow keyword search still streams results.
 */
export async function* listEntries(
  store: ShareStore,
  req: ListRequest,
  signal?: AbortSignal,
  /** Sees every item listed (the server queues unknown files for background hashing). */
  onItem?: (item: WalkItem) => void,
): AsyncGenerator<WireEntry[]> {
  let batch: WireEntry[] = [];
  let bytes = 0;
  let since = performance.now();
  for await (const items of walkShare(store, req, signal)) {
    for (const item of items) {
      onItem?.(item);
      const { entry } = item;
      const size = jsonBytes(entry) + 1 + (req.blake3 && entry.type === 'file' ? HASH_FIELD_BYTES : 0);
      if (batch.length > 0 && (batch.length >= STEP_ENTRIES || bytes + size > BATCH_JSON_BUDGET)) {
        yield batch;
        batch = [];
        bytes = 0;
        since = performance.now();
      }
      batch.push(entry);
      bytes += size;
    }
    if (batch.length > 0 && performance.now() - since >= BATCH_MAX_WAIT_MS) {
      yield batch;
      batch = [];
      bytes = 0;
      since = performance.now();
    }
  }
  if (batch.length > 0 && !signal?.aborted) yield batch;
}

/** Printable ASCII other than '"' and '\\': written into JSON as it is, a byte a character. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * Bytes of JSON.stringify(entry), counted without writing it when every field
 * is a plain string or a finite number (nearly every entry): a batch is
 * encoded whole when it is sent, and stringifying each entry once more just
 * to measure it was a tenth of a listing's CPU.
 */
export function jsonBytes(entry: WireEntry): number {
  let bytes = 1; // '{', and '}' in place of the last field's ','
  for (const key in entry) {
    const value = (entry as unknown as Record<string, unknown>)[key];
    let length: number;
    if (typeof value === 'string' && PLAIN.test(value)) length = value.length + 2;
    else if (typeof value === 'number' && Number.isFinite(value)) length = String(value).length;
    else return Buffer.byteLength(JSON.stringify(entry));
    bytes += key.length + 3 + length + 1; // "key":value,
  }
  return bytes === 1 ? 2 : bytes;
}
