// Download orchestration: ask the server what the file is (size, identity,
// hashes), serve it from the cache when the content is there, otherwise fetch
// it (into the cache, or beside the destination when it cannot fit) through
// the landing place, which checks every chunk against the server's BLAKE3
// chunk list, and only then make it appear at the destination under its real
// name.

import { ClientError, Failure } from './failure.js';
import { link, mkdir, rename, stat as statPath, unlink, utimes } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ErrorCode, FerryError } from '../protocol/errors.js';
import type { ServerLink } from './server-link.js';
import { blake3OfFile } from './blake3-file.js';
import { md5OfFile } from './md5-file.js';
import { confineLocal, partPathsBeside } from './local-path.js';
import { fetchTcp, type FetchResult, type FetchTarget } from './tcp-fetch.js';
import type { CacheOutcome, DownloadOptions, DownloadResult, RemoteStat, UdpStats } from './types.js';
import { downloadTree } from './tree-download.js';
import { fetchUdp } from './udp-fetch.js';

export { DEFAULT_TRANSFERS } from './transfer-queue.js';

type Verified = RemoteStat & { blake3: string };

/**
 * What a download asks of stat: the BLAKE3 root (the cache's key). A file the
 * server never hashed costs it one fast BLAKE3 pass; its MD5, the slow one,
 * is finished while the bytes flow and arrives with them.
 */
const HASHES = { blake3: true } as const;

export async function downloadPath(client: ServerLink, path: string, options: DownloadOptions): Promise<DownloadResult> {
  const remote = await client.stat(path, HASHES);
  const destDir = resolve(options.dest ?? '.');
  if (remote.type === 'dir') {
    if (!options.recursive) throw new FerryError(ErrorCode.NotAFile, `${remote.path || '/'} is a folder (use --recursive to fetch the tree)`);
    return downloadTree(client, remote, destDir, options, async (remotePath, dest, each) =>
      downloadFile(client, (await client.stat(remotePath, HASHES)) as Verified, dest, each, true),
    );
  }
  return downloadFile(client, remote as Verified, confineLocal(destDir, remote.name), options);
}

/** `folderMade`: the destination's folder exists already (a tree makes its folders first). */
async function downloadFile(client: ServerLink, first: Verified, asked: string, options: DownloadOptions, folderMade = false): Promise<DownloadResult> {
  const started = performance.now();
  const transport = options.transport ?? 'tcp';
  if (transport === 'udp' && !client.info.features.includes('udp')) {
    throw new FerryError(ErrorCode.Forbidden, `${client.info.address} does not offer UDP downloads`);
  }
  const fetch = (target: FetchTarget): Promise<FetchResult & { udp?: UdpStats }> =>
    transport === 'udp' ? fetchUdp(client, remote, target, options) : fetchTcp(client, remote, target, options);
  let remote = first;
  let destAbs = asked;
  let overwrite = false;
  const existing = await statPath(destAbs).catch(() => undefined);
  if (existing) {
    if (!existing.isFile()) throw new FerryError(ErrorCode.Exists, `${destAbs} exists and is not a file`);
    if (existing.size === remote.size && (await blake3OfFile(destAbs, existing.size)) === remote.blake3) {
      await keepTime(destAbs, remote.mtimeMs);
      return result(await withMd5(client, remote), destAbs, 0, 'bypass', started, transport, { identical: true });
    }
    switch (options.existing ?? (options.overwrite ? 'overwrite' : 'fail')) {
      case 'fail':
        throw new ClientError(
          ErrorCode.Exists,
          Failure.Differs,
          `${destAbs} already exists and differs (--overwrite, --skip-existing, --update or --keep-both)`,
        );
      case 'skip':
        return result(await withMd5(client, remote), destAbs, 0, 'bypass', started, transport, { skipped: 'exists' });
      case 'newer':
        if (remote.mtimeMs <= existing.mtimeMs) {
          return result(await withMd5(client, remote), destAbs, 0, 'bypass', started, transport, { skipped: 'newer-here' });
        }
        overwrite = true;
        break;
      case 'overwrite':
        overwrite = true;
        break;
      case 'keep-both':
        destAbs = await freeName(destAbs);
        break;
    }
  }
  if (!folderMade) await mkdir(dirname(destAbs), { recursive: true });

  const cache = options.noCache ? null : client.cache;
  const server = client.info.address;
  const hit = cache && cache.fits(remote.size) ? await cache.lookup(remote.blake3) : undefined;
  if (cache && hit) {
    // materialize checks the object's root as it copies it out: a damaged entry is evicted and fetched again.
    if (await cache.materialize(remote.blake3, destAbs, { remotePath: remote.path, server }, { overwrite, mtimeMs: remote.mtimeMs })) {
      await keepTime(destAbs, remote.mtimeMs);
      return result({ ...remote, md5: hit.md5 }, destAbs, 0, 'hit', started, transport);
    }
  }
  const viaCache = cache !== null && cache.fits(remote.size);
  // Another ferry process sharing the cache may be fetching the same file: each gets a .part of its own.
  const claim = viaCache ? await cache.claimPart(server, remote.path) : undefined;
  try {
    // A .part copied out of the cache or read for --md5 right after it lands is
    // better left in the page cache than written past it (landing/direct-io.ts).
    const readSoon = viaCache || options.md5 === true;
    return await fetchAndPlace({ ...(claim ?? partPathsBeside(destAbs)), ...(readSoon ? { readSoon } : {}) });
  } finally {
    await claim?.release();
  }

  async function fetchAndPlace(target: FetchTarget): Promise<DownloadResult> {
    let fetched: FetchResult & { udp?: UdpStats };
    try {
      fetched = await fetch(target);
    } catch (err) {
      if (!(err instanceof FerryError)) throw err;
      if (err.code === ErrorCode.ChecksumMismatch) {
        // The server's hashes come from its hash index, keyed by size, mtime
        // and inode; a file rewritten in place with those kept (cp -p, touch -r)
        // leaves a stale entry, and every download would fail. Have the server
        // read the file again: if that changes its root, fetch against the new
        // one; if not, the server's bytes do not match its own hashes.
        const fresh = await client.hash(remote.path, { rehash: true, blake3: true });
        if (fresh.blake3 === remote.blake3) throw err;
      } else if (err.code !== ErrorCode.Changed) {
        throw err;
      }
      // The file changed (or its MD5 was stale): ask again, start over.
      remote = (await client.stat(remote.path, HASHES)) as Verified;
      fetched = { ...(await fetch(target)), restarted: true };
    }
    // The MD5 reported is the server's for exactly the bytes that were checked
    // (and, if the file changed after the stat, so is the root).
    const landed = { ...remote, blake3: fetched.blake3, md5: fetched.md5 };
    if (options.md5) await checkMd5Here(target.part, fetched.md5, landed.path);
    if (viaCache) {
      await cache.admit(target.part, { blake3: fetched.blake3, md5: fetched.md5, size: landed.size, remotePath: landed.path, server });
      if (!(await cache.materialize(fetched.blake3, destAbs, { remotePath: landed.path, server }, { countHit: false, overwrite, mtimeMs: landed.mtimeMs }))) {
        // Another ferry process sharing this cache evicted the entry between the
        // two steps; the bytes are gone, so fetch once more, straight to the destination.
        const again = await fetch(partPathsBeside(destAbs));
        await place(partPathsBeside(destAbs).part, destAbs, overwrite, landed.mtimeMs);
        fetched = { ...again, bytes: fetched.bytes + again.bytes };
      }
    } else {
      await place(target.part, destAbs, overwrite, landed.mtimeMs);
    }
    await keepTime(destAbs, landed.mtimeMs);
    return result(landed, destAbs, fetched.bytes, viaCache ? 'miss' : 'bypass', started, transport, {
      ...(fetched.resumedFrom > 0 ? { resumedFrom: fetched.resumedFrom } : {}),
      ...(fetched.restarted ? { restarted: true } : {}),
      ...(fetched.udp ? { udp: fetched.udp } : {}),
      ...(fetched.refetchedChunks > 0 ? { refetchedChunks: fetched.refetchedChunks } : {}),
      ...(options.md5 ? { check: 'blake3+md5' as const } : {}),
    });
  }
}

/** The server's MD5 for a result that fetched nothing (it may not have been asked for yet). */
async function withMd5(client: ServerLink, remote: Verified): Promise<Verified & { md5: string }> {
  return remote.md5 !== undefined ? { ...remote, md5: remote.md5 } : { ...remote, md5: (await client.hash(remote.path)).md5 };
}

/** --md5: the MD5 of what arrived, computed here, must be the server's too. */
async function checkMd5Here(part: string, md5: string, path: string): Promise<void> {
  const here = await md5OfFile(part);
  if (here !== md5) throw new FerryError(ErrorCode.ChecksumMismatch, `${path}: MD5 here is ${here} but the server has ${md5}`);
}

/**
 * Give a downloaded file (or folder) the server's modification time, as
 * `rsync -t` and `scp -p` do. A file from the cache is its own copy
 * (cloneInto), never a hard link to the cache's object, so this leaves the
 * cache alone.
 */
async function keepTime(destAbs: string, mtimeMs: number): Promise<void> {
  const seconds = mtimeMs / 1000;
  await utimes(destAbs, seconds, seconds);
}

/** 'name.ext' → the first of 'name (1).ext', 'name (2).ext', … that does not exist yet. */
async function freeName(destAbs: string): Promise<string> {
  const dir = dirname(destAbs);
  const file = basename(destAbs);
  const dot = file.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [file.slice(0, dot), file.slice(dot)] : [file, ''];
  for (let n = 1; ; n++) {
    const candidate = join(dir, `${stem} (${n})${ext}`);
    if (!(await statPath(candidate).catch(() => undefined))) return candidate;
  }
}

/** Move a verified .part into place; without overwrite, never clobber a file that appeared meanwhile. */
async function place(part: string, destAbs: string, overwrite: boolean, mtimeMs: number): Promise<void> {
  // The source's time before the name: a folder being watched (a sync the other way) never sees the file with another.
  await keepTime(part, mtimeMs);
  if (overwrite) return rename(part, destAbs);
  try {
    await link(part, destAbs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new FerryError(ErrorCode.Exists, `${destAbs} appeared during the download; kept it`);
    throw err;
  }
  await unlink(part);
}

function result(
  remote: Verified & { md5: string },
  dest: string,
  transferred: number,
  cache: CacheOutcome,
  started: number,
  transport: 'tcp' | 'udp',
  extra: Partial<DownloadResult> = {},
): DownloadResult {
  return {
    path: remote.path,
    dest,
    bytes: remote.size,
    transferred,
    md5: remote.md5,
    // A skipped file is not the server's: nothing at `dest` was verified.
    verified: extra.skipped === undefined,
    ...(extra.skipped === undefined ? { check: 'blake3' as const, blake3: remote.blake3 } : {}),
    transport,
    cache,
    seconds: (performance.now() - started) / 1000,
    mtime: remote.mtime,
    ...extra,
  };
}
