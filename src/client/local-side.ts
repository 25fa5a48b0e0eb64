// The local pane: a folder on this machine, browsed through the same Side interface
// as a remote share. Paths from the UI are confined to the root here so a crafted
// name ('../..') cannot walk out of it.

import { open, readdir, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve } from 'node:path';
import { md5OfFile } from './md5-file.js';
import { readRange } from './read-range.js';
import type { Entry, ListOptions, ReadOptions, ReadResult, Side } from './types.js';

/** Stat calls in flight at once: fast on big folders without exhausting descriptors. */
const STAT_CONCURRENCY = 64;
/** Keyword search reads at most this much of a file, and skips binary-looking files. */
const KEYWORD_MAX_BYTES = 8 * 1024 * 1024;

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

  read(path: string, options: ReadOptions = {}): Promise<ReadResult> {
    return readRange(this.resolve(path), options);
  }

  async list(options: ListOptions = {}): Promise<Entry[]> {
    const base = options.path ?? '';
    const out: Entry[] = [];
    await this.walk(base, options, out);
    return out;
  }

  private async walk(dir: string, o: ListOptions, out: Entry[]): Promise<void> {
    const abs = this.resolve(dir);
    const dirents = await readdir(abs, { withFileTypes: true });
    const wanted = dirents.filter((d) => o.hidden || !d.name.startsWith('.'));
    const entries: Array<Entry | null> = new Array(wanted.length).fill(null);
    let next = 0;
    const worker = async () => {
      while (next < wanted.length) {
        const i = next++;
        const d = wanted[i]!;
        const rel = dir === '' ? d.name : `${dir}/${d.name}`;
        try {
          const st = await stat(join(abs, d.name)); // follows links: a link to a folder browses as a folder
          const type = st.isDirectory() ? 'dir' : 'file';
          entries[i] = {
            path: rel,
            name: d.name,
            ext: type === 'dir' ? '' : extname(d.name).toLowerCase(),
            size: type === 'dir' ? 0 : st.size,
            mtimeMs: st.mtimeMs,
            mtime: new Date(st.mtimeMs).toISOString(),
            type,
          };
        } catch {
          // Vanished or unreadable between readdir and stat: not worth failing the listing.
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(STAT_CONCURRENCY, wanted.length) }, worker));
    for (const e of entries) {
      if (!e) continue;
      if (o.recursive && e.type === 'dir') await this.walk(e.path, o, out);
      if (await this.matches(e, o)) out.push(e);
    }
  }

  private async matches(e: Entry, o: ListOptions): Promise<boolean> {
    if (o.ext && (e.type === 'dir' || e.ext !== o.ext.toLowerCase())) return false;
    if (o.after !== undefined && !(e.mtimeMs > o.after)) return false;
    if (o.before !== undefined && !(e.mtimeMs < o.before)) return false;
    if (o.keyword) return e.type === 'file' && (await fileContains(this.resolve(e.path), e.size, o.keyword));
    return true;
  }
}

async function fileContains(abs: string, size: number, keyword: string): Promise<boolean> {
  if (size === 0 || size > KEYWORD_MAX_BYTES) return false;
  const fh = await open(abs, 'r');
  try {
    const buf = Buffer.alloc(size);
    const { bytesRead } = await fh.read(buf, 0, size, 0);
    const data = buf.subarray(0, bytesRead);
    if (data.includes(0)) return false; // binary
    return data.toString('utf8').toLowerCase().includes(keyword.toLowerCase());
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
