// Test data, made in the bench's temp folder. Contents are random so no tool
// can gain from compression or sparse files; the MD5 of each source is
// computed while it is written, so checking outputs never re-reads a source.

import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

const CHUNK = 8 * 2 ** 20;

/** Write `bytes` random bytes to `file`; returns their MD5 (hex). */
export async function makeRandomFile(file: string, bytes: number): Promise<string> {
  const md5 = createHash('md5');
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(bytes, 1)));
  const fh = await fs.open(file, 'w');
  try {
    for (let done = 0; done < bytes; ) {
      const n = Math.min(buf.length, bytes - done);
      const part = buf.subarray(0, n);
      randomFillSync(part);
      md5.update(part);
      await fh.write(part, 0, n);
      done += n;
    }
  } finally {
    await fh.close();
  }
  return md5.digest('hex');
}

export interface Tree {
  root: string;
  /** Paths relative to root, '/'-separated, as the share names them. */
  files: string[];
  bytes: number;
  /** MD5 of each file by relative path (only when content was random). */
  md5: Map<string, string>;
  /** Size of each file by relative path (where a case checks every file it copied). */
  sizes?: Map<string, number>;
}

/** Folder name for file i: a hundred files a folder, like a real share, not one huge directory. */
const relPath = (i: number, ext: string) => `d${String(Math.floor(i / 100)).padStart(4, '0')}/f${String(i).padStart(6, '0')}${ext}`;

/**
 * `count` files totalling `totalBytes`, with sizes spread from half to one and
 * a half times the mean (a share is not all one size). Contents are slices of
 * one random pool at varying offsets, so every file differs without paying
 * for a gigabyte of fresh randomness.
 */
export async function makeHashTree(root: string, count: number, totalBytes: number): Promise<Tree> {
  const mean = Math.floor(totalBytes / count);
  const pool = randomFillSync(Buffer.allocUnsafe(Math.min(64 * 2 ** 20, mean * 2 + 4096)));
  const files: string[] = [];
  const md5 = new Map<string, string>();
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const rel = relPath(i, '.bin');
    // Sizes alternate around the mean so the total stays exact; the last file takes the rest.
    const spread = Math.floor(mean / 2);
    let size = i % 2 === 0 ? mean - ((i * 7919) % (spread + 1)) : mean + (((i - 1) * 7919) % (spread + 1));
    if (i === count - 1) size = totalBytes - bytes;
    const offset = (i * 4099) % Math.max(1, pool.length - size);
    const content = pool.subarray(offset, offset + size);
    const abs = path.join(root, rel);
    if (i % 100 === 0) await fs.mkdir(path.dirname(abs), { recursive: true });
    await fs.writeFile(abs, content);
    md5.set(rel, createHash('md5').update(content).digest('hex'));
    files.push(rel);
    bytes += size;
  }
  return { root, files, bytes, md5 };
}

/** `count` small files (0–4 KiB) for listing: the cost is in the names and stats, not the bytes. */
export async function makeListTree(root: string, count: number): Promise<Tree> {
  const pool = randomFillSync(Buffer.allocUnsafe(8192));
  const files: string[] = [];
  let bytes = 0;
  const batch: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const rel = relPath(i, ['.txt', '.log', '.jpg', '.md'][i % 4]!);
    const abs = path.join(root, rel);
    if (i % 100 === 0) {
      await Promise.all(batch.splice(0));
      await fs.mkdir(path.dirname(abs), { recursive: true });
    }
    const size = (i * 131) % 4096;
    batch.push(fs.writeFile(abs, pool.subarray(i % 4096, (i % 4096) + size)));
    files.push(rel);
    bytes += size;
  }
  await Promise.all(batch);
  return { root, files, bytes, md5: new Map() };
}

/** Files a folder in makeSmallTree: a few subfolders, as a real folder of small files has. */
export const SMALL_PER_FOLDER = 1000;

/**
 * `count` files of 1–16 KiB (8.5 KiB on average: 20,000 files make about
 * 166 MiB), a thousand a folder, for the many-small-files download. Contents
 * are slices of one 4 MiB random pool at varying offsets, so every file
 * differs and nothing compresses, and the tree is written in seconds. Paths
 * in the result are relative to `root`, the folder the case downloads.
 */
export async function makeSmallTree(root: string, count: number): Promise<Tree> {
  const pool = randomFillSync(Buffer.allocUnsafe(4 * 2 ** 20));
  const files: string[] = [];
  const md5 = new Map<string, string>();
  const sizes = new Map<string, number>();
  let bytes = 0;
  let batch: Promise<void>[] = [];
  // A fixed sequence (Knuth's multiplicative hash), not Math.random: every run makes the same sizes.
  const spread = (i: number, range: number) => ((i * 2654435761) >>> 0) % range;
  for (let i = 0; i < count; i++) {
    const rel = `d${String(Math.floor(i / SMALL_PER_FOLDER)).padStart(2, '0')}/f${String(i).padStart(6, '0')}.bin`;
    const abs = path.join(root, rel);
    if (i % SMALL_PER_FOLDER === 0) {
      await Promise.all(batch);
      batch = [];
      await fs.mkdir(path.dirname(abs), { recursive: true });
    }
    const size = 1024 + spread(i, 15 * 1024 + 1);
    const offset = spread(i + count, pool.length - size + 1);
    const content = pool.subarray(offset, offset + size);
    batch.push(fs.writeFile(abs, content));
    md5.set(rel, createHash('md5').update(content).digest('hex'));
    sizes.set(rel, size);
    files.push(rel);
    bytes += size;
  }
  await Promise.all(batch);
  return { root, files, bytes, md5, sizes };
}

/** Every file under `dir`, as '/'-separated paths relative to it (folders themselves are not listed). */
export async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await filesUnder(path.join(dir, e.name), rel)));
    else out.push(rel);
  }
  return out;
}

/** MD5 of a file (used to check every output against its source). */
export function md5File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('md5');
    createReadStream(file, { highWaterMark: 4 * 2 ** 20 })
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** Size of a file, or 0 if it is missing (for "failed after N MB" notes). */
export async function sizeOf(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return 0;
  }
}

/** Remove a case's data as soon as the case is done, saying how long it took (large trees are slow to delete on a busy disk). */
export async function removeData(log: (line: string) => void, dir: string): Promise<void> {
  const t = Date.now();
  await fs.rm(dir, { recursive: true, force: true });
  const s = (Date.now() - t) / 1000;
  if (s > 1) log(`  removed ${path.basename(dir)} in ${s.toFixed(1)} s`);
}
