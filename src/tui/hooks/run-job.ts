// One queued job carried out through the client API, ending in what the app
// needs to know: it moved, it was already there, it was left as it was, or its
// destination exists and differs and nobody has said what to do (a conflict,
// which the app asks about while the queue goes on with other files).

import { basename, join } from 'node:path';
import { localFileInfo, localMd5 } from '../../client/local-side.js';
import type { DownloadResult, FerryApi, TransferProgress, UploadResult } from '../../client/types.js';
import type { ConflictAnswer } from '../state/conflicts.js';
import { Failure, failureReason } from '../../client/failure.js';
import { codeOf, type Job } from './transfer-jobs.js';

export type JobOutcome =
  | { kind: 'downloaded'; r: DownloadResult }
  | { kind: 'uploaded'; r: UploadResult }
  /** Done without moving anything: an upload whose remote copy has the same MD5, or a file the answer left as it was. */
  | { kind: 'kept'; outcome: 'identical' | 'skipped'; md5: string; note: string }
  | { kind: 'conflict'; here: string };

/** Names tried for "keep both" on the server before giving up. */
const FREE_NAME_TRIES = 1000;

/** The client's refusal to replace a destination that differs (not a file that appeared mid-download). */
export function isConflict(err: unknown): boolean {
  return failureReason(err) === Failure.Differs;
}

/**
 * Run `job`. `answer` is what to do if its destination exists and differs: the
 * job's own (the user answered its conflict) or its batch's "for all"; without
 * one, such a file comes back as a conflict and nothing is touched.
 */
export async function runJobOnce(
  api: FerryApi,
  job: Exclude<Job, { kind: 'broken' }>,
  answer: ConflictAnswer | undefined,
  o: { signal: AbortSignal; onProgress: (p: TransferProgress) => void; md5Here?: boolean },
): Promise<JobOutcome> {
  if (job.kind === 'download') {
    const existing = answer ?? (job.overwrite ? 'overwrite' : undefined);
    try {
      const r = await api.download(job.path, {
        dest: job.dest,
        transport: job.transport,
        signal: o.signal,
        onProgress: o.onProgress,
        ...(existing ? { existing } : {}),
        ...(o.md5Here ? { md5: true } : {}),
      });
      if (r.skipped) {
        const note = r.skipped === 'newer-here' ? 'kept the local copy: it is as new or newer' : 'kept the local copy';
        return { kind: 'kept', outcome: 'skipped', md5: r.md5, note };
      }
      return { kind: 'downloaded', r };
    } catch (err) {
      if (existing === undefined && isConflict(err)) return { kind: 'conflict', here: join(job.dest, basename(job.path)) };
      throw err;
    }
  }
  const up = (as: string, overwrite: boolean) =>
    api.upload(job.localPath, {
      as,
      signal: o.signal,
      onProgress: o.onProgress,
      ...(overwrite ? { overwrite: true } : {}),
      ...(job.parents ? { parents: true } : {}),
    });
  switch (answer ?? (job.overwrite ? 'overwrite' : undefined)) {
    case 'overwrite':
      return { kind: 'uploaded', r: await up(job.path, true) };
    case 'keep-both':
      return { kind: 'uploaded', r: await up(await freeRemoteName(api, job.path), false) };
    case 'newer': {
      const [there, here] = await Promise.all([api.stat(job.path).catch(() => null), localFileInfo(job.localPath)]);
      if (there && here && here.mtimeMs <= there.mtimeMs) {
        return { kind: 'kept', outcome: 'skipped', md5: '', note: "kept the server's copy: it is as new or newer" };
      }
      return { kind: 'uploaded', r: await up(job.path, true) };
    }
    default:
      try {
        return { kind: 'uploaded', r: await up(job.path, false) };
      } catch (err) {
        if (codeOf(err) !== 'EXISTS') throw err;
        // The server refuses any existing name; the same bytes there are no conflict.
        const md5 = await sameOnServer(api, job.path, job.localPath);
        if (md5 !== null) return { kind: 'kept', outcome: 'identical', md5, note: 'already identical' };
        if (answer === 'skip') return { kind: 'kept', outcome: 'skipped', md5: '', note: "kept the server's copy" };
        return { kind: 'conflict', here: job.localPath };
      }
  }
}

/** The MD5 both copies share, or null when they differ (sizes first: no hashing for files that cannot match). */
async function sameOnServer(api: FerryApi, remote: string, local: string): Promise<string | null> {
  const [there, here] = await Promise.all([api.stat(remote, { md5: true }), localFileInfo(local)]);
  if (!here || here.size !== there.size || there.md5 === undefined) return null;
  return (await localMd5(local)) === there.md5 ? there.md5 : null;
}

/** 'dir/name.ext' → the first of 'dir/name (1).ext', 'dir/name (2).ext', … the server does not have (as the CLI's --keep-both names it). */
export async function freeRemoteName(api: FerryApi, path: string): Promise<string> {
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash + 1);
  const file = path.slice(slash + 1);
  const dot = file.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [file.slice(0, dot), file.slice(dot)] : [file, ''];
  for (let n = 1; n <= FREE_NAME_TRIES; n++) {
    const candidate = `${dir}${stem} (${n})${ext}`;
    try {
      await api.stat(candidate);
    } catch (err) {
      if (codeOf(err) === 'NOT_FOUND') return candidate;
      throw err;
    }
  }
  throw Object.assign(new Error(`no free name beside ${path} after ${FREE_NAME_TRIES} tries`), { code: 'EXISTS' });
}
