// Call the client and print the result: shared by the one-shot commands and by
// `ferry shell`, so both behave and look the same.

import type { ClassicCommand } from '../client/classic.js';
import { type SortLimits, SortedListing } from '../client/sorted-listing.js';
import type { DownloadOptions, FerryApi, HashResult, ListOptions } from '../client/types.js';
import { formatBytes, plural } from '../format.js';
import { escapeControls } from '../safe-text.js';
import type { CliIo } from './io.js';
import { out, printJson, terminalWidth, writeOut } from './io.js';
import { downloadJson, downloadLines, EntryTable, entryJson, hashHeader, hashJson, hashLine, hashSummary, jsonElement } from './print.js';
import { renderHashing, renderTransfer, renderWaiting, StatusLine } from './progress.js';

/**
 * A listing, printed in the listing order (client/listing-order.ts). The
 * server's order is not that order, so every entry must be seen before the
 * first is printed; SortedListing holds at most a run of them and sorts larger
 * listings through temp files, so a listing of any size prints in bounded
 * memory. Resolves with the number of entries.
 */
export async function showList(
  io: CliIo,
  api: Pick<FerryApi, 'listStream'>,
  options: ListOptions,
  json: boolean,
  sort: { limits?: Partial<SortLimits>; seen?: (sorter: SortedListing) => void } = {},
): Promise<number> {
  const sorter = new SortedListing(sort.limits);
  const table = json ? undefined : new EntryTable(terminalWidth(io));
  try {
    const count = await api.listStream(options, {
      onBatch: (batch) => {
        sorter.add(batch);
        if (table) for (const e of batch) table.count(e);
      },
    });
    if (table) {
      if (!table.empty) out(io, table.header());
      for await (const batch of sorter.sorted()) await writeOut(io.stdout, batch.map((e) => `${table.line(e)}\n`).join(''));
      out(io, table.summary());
    } else {
      let first = true;
      for await (const batch of sorter.sorted()) {
        await writeOut(io.stdout, `${first ? '[\n' : ',\n'}${batch.map((e) => jsonElement(entryJson(e))).join(',\n')}`);
        first = false;
      }
      out(io, first ? '[]' : '\n]');
    }
    sort.seen?.(sorter);
    return count;
  } finally {
    await sorter.dispose();
  }
}

export async function showHash(io: CliIo, api: FerryApi, path: string, options: { rehash?: boolean; blake3?: boolean; json: boolean }): Promise<HashResult> {
  const result = await api.hash(path, { ...(options.rehash ? { rehash: true } : {}), ...(options.blake3 ? { blake3: true } : {}) });
  if (options.json) printJson(io, hashJson(result));
  else {
    out(io, hashHeader(options.blake3, terminalWidth(io)));
    out(io, hashLine(result, terminalWidth(io)));
  }
  return result;
}

/** Hash every file, printing rows as they come and a progress line on a terminal. */
export async function showHashAll(
  io: CliIo,
  api: FerryApi,
  options: { path?: string; rehash?: boolean; blake3?: boolean; json: boolean; signal?: AbortSignal },
): Promise<HashResult[]> {
  const status = new StatusLine(io.stderr, { results: io.stdout });
  const started = performance.now();
  let plan = { files: 0, bytes: 0 };
  const done = { files: 0, bytes: 0 };
  let headerShown = false;
  try {
    const results = await api.hashAll({
      ...(options.path !== undefined ? { path: options.path } : {}),
      ...(options.rehash ? { rehash: true } : {}),
      ...(options.blake3 ? { blake3: true } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onStart: (p) => {
        plan = p;
        status.update(() => renderHashing(done, plan), true);
      },
      onResult: (r) => {
        done.files++;
        done.bytes += r.size;
        if (!options.json) {
          status.clear();
          if (!headerShown) out(io, hashHeader(options.blake3, terminalWidth(io)));
          headerShown = true;
          out(io, hashLine(r, terminalWidth(io)));
        }
        status.update(() => renderHashing(done, plan), done.files === plan.files);
      },
    });
    status.clear();
    if (options.json) printJson(io, results.map(hashJson));
    else out(io, hashSummary(results, (performance.now() - started) / 1000));
    return results;
  } finally {
    status.clear();
  }
}

/** Download one file (or folder) with a progress bar on a terminal, then print what happened. */
export async function showDownload(io: CliIo, api: FerryApi, path: string, options: Omit<DownloadOptions, 'onProgress'> & { json: boolean }): Promise<void> {
  const status = new StatusLine(io.stderr, { results: io.stdout });
  const { json, ...rest } = options;
  try {
    status.update(() => renderWaiting(path), true);
    const result = await api.download(path, {
      ...rest,
      // A folder of any size: counts, not a result per file.
      ...(rest.recursive ? { keepFiles: false } : {}),
      onProgress: (p) => status.update((columns) => renderTransfer(p, columns), p.bytes >= p.total),
    });
    status.clear();
    if (json) printJson(io, downloadJson(result));
    else for (const line of downloadLines(result, terminalWidth(io))) out(io, line);
  } finally {
    status.clear();
  }
}

/**
 * Run `work` with an AbortSignal that fires on Ctrl-C. Resolves to the result,
 * or to `interrupted` when the user pressed Ctrl-C and the work stopped because of it.
 */
export async function interruptible<T>(
  io: CliIo,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; interrupted: true }> {
  const controller = new AbortController();
  const stop = io.onInterrupt(() => controller.abort());
  try {
    return { ok: true, value: await work(controller.signal) };
  } catch (err) {
    if (controller.signal.aborted) return { ok: false, interrupted: true };
    throw err;
  } finally {
    stop();
  }
}

/** One of the classic language's file operations (mkdir, mv, cp, rm), printed like the one-shot commands. */
export async function showFileOp(
  io: CliIo,
  api: FerryApi,
  cmd: Extract<ClassicCommand, { kind: 'mkdir' | 'move' | 'copy' | 'remove' }>,
  o: { json: boolean; signal: AbortSignal },
): Promise<void> {
  const show = (value: unknown, line: string) => (o.json ? printJson(io, value) : out(io, line));
  const shown = (p: string) => escapeControls(p);
  switch (cmd.kind) {
    case 'mkdir': {
      const r = await api.mkdir(cmd.path, { parents: cmd.parents });
      return show(r, r.created ? `made folder ${shown(r.path)}` : `${shown(r.path)} is already a folder`);
    }
    case 'move': {
      const r = await api.move(cmd.from, cmd.to);
      return show(r, `moved ${shown(r.from)} → ${shown(r.to)}`);
    }
    case 'copy': {
      const r = await api.copy(cmd.from, cmd.to, { signal: o.signal });
      return show(r, `copied ${shown(r.from)} → ${shown(r.to)} (${plural(r.files, 'file')}, ${formatBytes(r.bytes)})`);
    }
    case 'remove': {
      const r = await api.remove(cmd.path, { recursive: cmd.recursive, signal: o.signal });
      return show(r, `removed ${shown(r.path)}${r.removed > 1 ? ` (${plural(r.removed, 'entry', 'entries')})` : ''}`);
    }
  }
}
