// The local pane: a folder on this machine, browsed through the same Side interface
// as a remote share. Paths from the UI are confined to the root here so a crafted
// name ('../..') cannot walk out of it. The app's local pane is rooted at the top
// of the disk (localSideAt): it is the user's own disk, free to browse above the
// folder it starts in; only the remote side is confined, and by the server.

import { lstat, open, opendir, readlink, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { extname, isAbsolute, join, parse, relative, resolve, sep } from 'node:path';
import { cheapMatcher, filesOnly, keywordScan, nameMatcher } from '../protocol/filter.js';
import { md5OfFile } from './md5-file.js';
import { readRange } from './read-range.js';
import type { Entry, ListOptions, ListStream, ReadOptions, ReadResult, Side } from './types.js';

/** Stat calls in flight at once: fast on big folders without exhausting descriptors. */
const STAT_CONCURRENCY = 64;
/** Entries read from a folder (and handed on) at a time, so a huge folder streams. */
const SLICE = 128;
/** Folders deeper than this below the start are listed but not entered (as on the server). */
export const LOCAL_MAX_DEPTH = 128;
/** Read size for a keyword search: whole files are searched, this much at a time. */
const KEYWORD_CHUNK_BYTES = 256 * 1024;

/**
 * A side over the whole disk `dir` is on, and where `dir` is inside it (a
 * side-relative path, '/'-separated): the local pane starts there and can go up.
 */
export function localSideAt(dir: string): { side: LocalSide; path: string } {
  const abs = resolve(dir);
  const root = parse(abs).root;
  return { side: new LocalSide(root), path: relative(root, abs).split(sep).join('/') };
}

export class LocalSide implements Side {
  readonly kind = 'local' as const;
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  get label(): string {
    return this.root;
  }

  /** Absolute path of a side-relative path; throws if it would leave the root. */
  resolve(path: string): string {
    const abs = resolve(this.root, path.replace(/^\/+/, ''));
    const rel = relative(this.root, abs);
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return abs;
    throw new Error(`path outside the local folder: ${path}`);
  }

  /** A byte range of a file here (the viewer's windows); a path outside the root rejects. */
  async read(path: string, options: ReadOptions = {}): Promise<ReadResult> {
    return readRange(this.resolve(path), options);
  }

  /** One folder (or, with `recursive`, the tree below it), filtered by protocol/filter.ts's rules, as the server does. */
  async list(options: ListOptions = {}): Promise<Entry[]> {
    const out: Entry[] = [];
    await this.listStream(options, { onBatch: (batch) => void out.push(...batch) });
    return out;
  }

  /**
   * The listing a slice at a time, as it is read: depth first, bounded in
   * depth (LOCAL_MAX_DEPTH), a folder reached again through a link entered
   * once, and stopped when `signal` aborts (resolving with what was found).
   */
  async listStream(options: ListOptions, stream: ListStream): Promise<number> {
    const start = options.path ?? '';
    const abs = this.resolve(start);
    const cheap = cheapMatcher(options);
    const named = options.name ? nameMatcher(options.name) : undefined;
    const onlyFiles = filesOnly(options);
    const keyword = options.keyword || undefined;
    const { signal } = stream;
    let count = 0;
    const keep = async (e: Entry): Promise<boolean> => {
      // Broken links are listed as themselves, as on the server: not among filter results.
      if (e.type === 'link') return !onlyFiles && !named;
      if (named && !named(e.name)) return false;
      if (e.type === 'dir') return !onlyFiles;
      if (cheap && !cheap(e)) return false;
      return keyword === undefined || (await fileHasKeyword(this.resolve(e.path), keyword, signal));
    };
    const walk = async (dir: string, dirAbs: string, depth: number, seen: ReadonlySet<string>): Promise<void> => {
      const handle = await opendir(dirAbs, { bufferSize: SLICE });
      try {
        for (;;) {
          if (signal?.aborted) return;
          const names: string[] = [];
          while (names.length < SLICE) {
            const d = await handle.read();
            if (!d) break;
            if (options.hidden || !d.name.startsWith('.')) names.push(d.name);
          }
          if (names.length === 0) return;
          const slice = await statAll(dirAbs, dir, names);
          const kept: Entry[] = [];
          for (const [e] of slice) if (await keep(e)) kept.push(e);
          if (signal?.aborted) return;
          if (kept.length > 0) {
            count += kept.length;
            stream.onBatch(kept);
          }
          if (!options.recursive || depth + 1 >= LOCAL_MAX_DEPTH) continue;
          for (const [e, st] of slice) {
            if (e.type !== 'dir' || !st) continue;
            const key = `${st.dev}:${st.ino}`;
            if (seen.has(key)) continue;
            // A folder that cannot be read further down is skipped, as on the server.
            await walk(e.path, join(dirAbs, e.name), depth + 1, new Set([...seen, key])).catch(() => undefined);
          }
        }
      } finally {
        await handle.close().catch(() => undefined);
      }
    };
    const top = await stat(abs);
    await walk(start, abs, 0, new Set([`${top.dev}:${top.ino}`]));
    return count;
  }
}

/**
 * Stat a slice of names (following links: a link to a folder browses as a folder);
 * a link to nothing is an entry of its own, without Stats; vanished ones are dropped.
 */
async function statAll(dirAbs: string, dir: string, names: string[]): Promise<Array<[Entry, Stats | undefined]>> {
  const out: Array<[Entry, Stats | undefined] | null> = new Array(names.length).fill(null);
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const i = next++;
      const name = names[i]!;
      const rel = dir === '' ? name : `${dir}/${name}`;
      try {
        const st = await stat(join(dirAbs, name)).catch(() => undefined);
        if (!st) {
          // A link to nothing (or a loop) is shown as such; anything else vanished or is unreadable.
          const own = await lstat(join(dirAbs, name)).catch(() => undefined);
          const link = own?.isSymbolicLink() ? await danglingLink(join(dirAbs, name), rel, name) : undefined;
          if (link) out[i] = [link, undefined];
          continue;
        }
        if (!st.isDirectory() && !st.isFile()) continue;
        const type = st.isDirectory() ? 'dir' : 'file';
        const entry: Entry = {
          path: rel,
          name,
          ext: type === 'dir' ? '' : extname(name).toLowerCase(),
          size: type === 'dir' ? 0 : st.size,
          mtimeMs: st.mtimeMs,
          mtime: new Date(st.mtimeMs).toISOString(),
          type,
        };
        out[i] = [entry, st];
      } catch {
        // Vanished or unreadable between reading the folder and stat: not worth failing the listing.
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(STAT_CONCURRENCY, names.length) }, worker));
  return out.filter((x): x is [Entry, Stats | undefined] => x !== null);
}

/** The keyword rule of protocol/filter.ts over a whole local file, read in chunks; unreadable is no match. */
async function fileHasKeyword(abs: string, keyword: string, signal?: AbortSignal): Promise<boolean> {
  const scan = keywordScan(keyword);
  const fh = await open(abs, 'r').catch(() => undefined);
  if (!fh) return false;
  try {
    const buf = Buffer.allocUnsafe(KEYWORD_CHUNK_BYTES);
    for (let pos = 0; ; ) {
      if (signal?.aborted) return false;
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) return scan.end();
      pos += bytesRead;
      const verdict = scan.push(buf.subarray(0, bytesRead));
      if (verdict !== 'more') return verdict === 'match';
    }
  } catch {
    return false;
  } finally {
    await fh.close();
  }
}

/** MD5 of a local file, streamed (never read whole). Null when the file is absent. */
export async function localMd5(abs: string): Promise<string | null> {
  try {
    if (!(await stat(abs)).isFile()) return null;
  } catch {
    return null;
  }
  return md5OfFile(abs);
}

/**
 * A symlink whose target is missing (or a loop), as an entry of its own with its
 * text; undefined for one that works (it is listed as what it points to).
 */
async function danglingLink(abs: string, rel: string, name: string): Promise<Entry | undefined> {
  try {
    await stat(abs);
    return undefined;
  } catch {
    const own = await lstat(abs);
    const target = await readlink(abs).catch(() => undefined);
    return {
      path: rel,
      name,
      ext: '',
      size: 0,
      mtimeMs: own.mtimeMs,
      mtime: new Date(own.mtimeMs).toISOString(),
      type: 'link',
      link: 'dangling',
      ...(target !== undefined ? { target } : {}),
    };
  }
}

/** Size and modification time of a local file; null when it is absent or not a file. */
export async function localFileInfo(abs: string): Promise<{ size: number; mtimeMs: number } | null> {
  try {
    const st = await stat(abs);
    return st.isFile() ? { size: st.size, mtimeMs: st.mtimeMs } : null;
  } catch {
    return null;
  }
}
