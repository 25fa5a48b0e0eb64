// Builds a throw-away shared folder with known contents and modification times,
// next to an "outside" folder holding a sentinel file that confinement tests
// check is never read or changed.
//
//   const share = await createTempShare({ 'a.txt': 'hello', 'sub/b.bin': { content: buf, mtime: T } , 'empty/': {} });
//   ... share.root, share.abs('sub/b.bin') ...
//   await share.remove();

import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** Default mtime for everything created (2023-11-14T22:13:20Z), so listings are deterministic. */
export const DEFAULT_MTIME_MS = 1_700_000_000_000;

export interface FileSpec {
  content?: string | Uint8Array;
  /** Milliseconds since the epoch; whole seconds keep mtimeMs exact on every filesystem. */
  mtime?: number;
}

/** Keys ending in '/' are folders; other keys are files (string/bytes content or a FileSpec). */
export type ShareSpec = Record<string, string | Uint8Array | FileSpec>;

export const SENTINEL_CONTENT = 'sentinel: this file lives outside the share and must never change\n';

export interface TempShare {
  /** Parent of both `root` and `outside`. */
  base: string;
  /** The shared folder. */
  root: string;
  /** A sibling folder outside the share. */
  outside: string;
  /** Absolute path of the sentinel file in `outside`. */
  sentinel: string;
  abs(rel: string): string;
  /** Add or replace entries after creation (same spec format). */
  write(spec: ShareSpec): Promise<void>;
  /** Throws unless the sentinel still exists with its original content. */
  assertSentinelIntact(): Promise<void>;
  remove(): Promise<void>;
}

export function md5Of(data: string | Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

async function build(root: string, spec: ShareSpec): Promise<void> {
  const times: [string, number][] = [];
  for (const [rel, value] of Object.entries(spec)) {
    const abs = path.join(root, rel);
    const isDir = rel.endsWith('/');
    const file: FileSpec = typeof value === 'string' || value instanceof Uint8Array ? { content: value } : value;
    if (isDir) {
      await fs.mkdir(abs, { recursive: true });
    } else {
      await fs.mkdir(path.dirname(abs), { recursive: true });
      await fs.writeFile(abs, file.content ?? '');
    }
    times.push([abs, file.mtime ?? DEFAULT_MTIME_MS]);
  }
  // Deepest first: creating a child bumps its folder's mtime, so folders are set last.
  times.sort((a, b) => b[0].split(path.sep).length - a[0].split(path.sep).length);
  for (const [abs, ms] of times) await fs.utimes(abs, ms / 1000, ms / 1000);
}

export async function createTempShare(spec: ShareSpec = {}): Promise<TempShare> {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-share-'));
  const root = path.join(base, 'share');
  const outside = path.join(base, 'outside');
  const sentinel = path.join(outside, 'sentinel.txt');
  await fs.mkdir(root);
  await fs.mkdir(outside);
  await fs.writeFile(sentinel, SENTINEL_CONTENT);
  await fs.utimes(sentinel, DEFAULT_MTIME_MS / 1000, DEFAULT_MTIME_MS / 1000);
  await build(root, spec);
  return {
    base,
    root,
    outside,
    sentinel,
    abs: (rel) => path.join(root, rel),
    write: (more) => build(root, more),
    async assertSentinelIntact() {
      const [content, stat] = await Promise.all([fs.readFile(sentinel, 'utf8'), fs.stat(sentinel)]);
      if (content !== SENTINEL_CONTENT) throw new Error('sentinel outside the share was modified');
      if (stat.mtimeMs !== DEFAULT_MTIME_MS) throw new Error('sentinel outside the share was touched');
    },
    remove: () => fs.rm(base, { recursive: true, force: true }),
  };
}
