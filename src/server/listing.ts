// The listing walk behind `index` (and `hashall`, which hashes what a listing
// would show). Every folder read goes through ShareStore.children, so the walk
// never leaves the share and never shows ferry's own temp files.
//
// Order: each folder's visible children appear together, folders first, then
// by name (case-insensitive, ties broken by code unit: deterministic and
// locale-free); then the walk descends into those folders in the same order.

import path from 'node:path';
import type { Stats } from 'node:fs';
import { LIST_BATCH, MAX_HEADER_BYTES } from '../protocol/limits.js';
import type { ListRequest, WireEntry } from '../protocol/messages.js';
import { fileContains } from './keyword.js';
import { mapLimit, type Child, type ShareStore } from './store.js';

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
/** A partial batch is sent after this long, so slow filtered walks still show progress. */
const BATCH_MAX_WAIT_MS = 250;

interface Chain {
  key: string;
  up: Chain | undefined;
}

/** '.txt', 'txt', '*.txt' and 'TXT' all mean files ending in '.txt'; 'txt,md' means either. */
export function extMatcher(ext: string | undefined): ((name: string) => boolean) | undefined {
  if (ext === undefined) return undefined;
  const wanted = ext
    .split(',')
    .map((e) => e.trim().replace(/^\*/, '').replace(/^\.?/, '.').toLowerCase())
    .filter((e) => e !== '.');
  if (wanted.length === 0) return undefined;
  // The name must be longer than the suffix: '.txt' alone is a hidden file, not a text file.
  return (name) => {
    const lower = name.toLowerCase();
    return wanted.some((e) => lower.length > e.length && lower.endsWith(e));
  };
}

function compareNames(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x !== y) return x < y ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function toItem(c: { name: string; rel: string; abs: string; stat: Stats }): WalkItem {
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

/** The cheap filters (ext, time) as one predicate; the keyword is applied separately. */
function cheapFilter(req: WalkOptions): ((c: { name: string; stat: Stats }) => boolean) | undefined {
  const ext = extMatcher(req.ext);
  const { after, before } = req;
  if (!ext && after === undefined && before === undefined) return undefined;
  return (c) =>
    (!ext || ext(c.name)) &&
    (after === undefined || c.stat.mtimeMs > after) &&
    (before === undefined || c.stat.mtimeMs < before);
}

/**
 * Walk the share from req.path, yielding each folder's visible entries (already
 * filtered and sorted) as one or more arrays. With any filter active only
 * matching files are yielded. Stops quietly when `signal` aborts. A start path
 * that is a file yields that file alone (if it matches). Throws a coded error
 * only for the start path; unreadable folders further down are skipped.
 */
export async function* walkShare(store: ShareStore, req: WalkOptions, signal?: AbortSignal): AsyncGenerator<WalkItem[]> {
  const start = await store.resolve(req.path ?? '');
  const cheap = cheapFilter(req);
  const needle = req.keyword ? Buffer.from(req.keyword, 'utf8') : undefined;
  const filtering = cheap !== undefined || needle !== undefined;
  const recursive = req.recursive !== false;

  const keepFiles = async (files: Child[]): Promise<Child[]> => {
    const cheapOk = cheap ? files.filter(cheap) : files;
    if (!needle) return cheapOk;
    const hits = await mapLimit(cheapOk, KEYWORD_CONCURRENCY, (c) => fileContains(c.abs, needle, { signal, expect: c.stat }));
    return cheapOk.filter((_, i) => hits[i]);
  };

  if (start.stat.isFile()) {
    const name = start.rel.split('/').at(-1) ?? start.rel;
    const self = { name, rel: start.rel, abs: start.abs, stat: start.stat, link: false };
    const kept = await keepFiles([self]);
    if (kept.length > 0 && !signal?.aborted) yield kept.map(toItem);
    return;
  }

  // Depth-first over folders with an explicit stack (no generator recursion);
  // each entry remembers its ancestors' identities so a symlink loop is entered once, not forever.
  const stack: { dir: { abs: string; rel: string }; chain: Chain }[] = [
    { dir: start, chain: { key: `${start.stat.dev}:${start.stat.ino}`, up: undefined } },
  ];
  let first = true;
  while (stack.length > 0) {
    if (signal?.aborted) return;
    const { dir, chain } = stack.pop()!;
    let kids: Child[];
    try {
      kids = await store.children(dir);
    } catch (err) {
      if (first) throw err;
      continue;
    }
    first = false;
    if (!req.hidden) kids = kids.filter((c) => !c.name.startsWith('.'));
    kids.sort((a, b) => compareNames(a.name, b.name));
    const dirs = kids.filter((c) => c.stat.isDirectory());
    const files = kids.filter((c) => c.stat.isFile());

    if (!filtering && dirs.length > 0) yield dirs.map(toItem);
    for (let i = 0; i < files.length; i += KEYWORD_SLICE) {
      const kept = await keepFiles(files.slice(i, i + KEYWORD_SLICE));
      if (signal?.aborted) return;
      if (kept.length > 0) yield kept.map(toItem);
    }
    if (!recursive) continue;
    for (let i = dirs.length - 1; i >= 0; i--) {
      const d = dirs[i]!;
      const key = `${d.stat.dev}:${d.stat.ino}`;
      let loop = false;
      for (let c: Chain | undefined = chain; c && !loop; c = c.up) loop = c.key === key;
      if (!loop) stack.push({ dir: d, chain: { key, up: chain } });
    }
  }
}

/**
 * Listing for the wire: walkShare regrouped into batches of at most LIST_BATCH
 * entries whose JSON fits one ITEM header. A partial batch is flushed after
 * BATCH_MAX_WAIT_MS so a slow keyword search still streams results.
 */
export async function* listEntries(store: ShareStore, req: ListRequest, signal?: AbortSignal): AsyncGenerator<WireEntry[]> {
  let batch: WireEntry[] = [];
  let bytes = 0;
  let since = performance.now();
  for await (const items of walkShare(store, req, signal)) {
    for (const { entry } of items) {
      const size = Buffer.byteLength(JSON.stringify(entry)) + 1;
      if (batch.length > 0 && (batch.length >= LIST_BATCH || bytes + size > BATCH_JSON_BUDGET)) {
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
