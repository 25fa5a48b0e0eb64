// The small file beside a .part that says what the .part holds: which remote
// file (server, path, identity, BLAKE3 root) and which of its chunks were
// verified. It is a hint, not a promise: on resume every chunk it names is
// read back and checked again before it is kept (landing.ts), so a record
// that outlived a crash of the disk's cache, or a .part changed between runs,
// costs the chunks that no longer match and nothing more.

import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { BLAKE3_HEX } from '../../protocol/chunk-hash.js';
import type { FileIdentity } from '../../protocol/messages.js';

export interface LandingRecord {
  version: 2;
  server: string;
  path: string;
  size: number;
  identity: FileIdentity;
  blake3: string;
  chunkBytes: number;
  /** Verified chunks, as [first, end) ranges of chunk numbers. */
  verified: [number, number][];
}

export async function readRecord(file: string): Promise<LandingRecord | undefined> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as LandingRecord;
    const ok =
      value?.version === 2 &&
      typeof value.blake3 === 'string' &&
      BLAKE3_HEX.test(value.blake3) &&
      Number.isSafeInteger(value.chunkBytes) &&
      value.chunkBytes > 0 &&
      Array.isArray(value.verified) &&
      value.verified.every((r) => Array.isArray(r) && r.length === 2 && r.every(Number.isSafeInteger));
    return ok ? value : undefined;
  } catch {
    return undefined; // missing, torn or from an older version: start over
  }
}

/** Atomic: a crash leaves either the old record or the new one, never half of one. */
export async function writeRecord(file: string, value: LandingRecord): Promise<void> {
  const temp = `${file}.tmp`;
  try {
    // Created afresh, never written through whatever had the name (a planted link).
    await unlink(temp).catch(() => {});
    await writeFile(temp, JSON.stringify(value), { flag: 'wx' });
    await rename(temp, file);
  } catch (err) {
    // A full disk must not also collect half-written records.
    await unlink(temp).catch(() => {});
    throw err;
  }
}

export async function removeRecord(file: string): Promise<void> {
  await unlink(file).catch(() => {});
}

/** Whether a record describes this version of this remote file (its root is checked once the server names it). */
export function sameRemote(r: LandingRecord, want: { server: string; path: string; size: number; identity: FileIdentity }): boolean {
  const a = r.identity;
  const b = want.identity;
  return (
    r.server === want.server &&
    r.path === want.path &&
    r.size === want.size &&
    a.size === b.size &&
    a.mtimeMs === b.mtimeMs &&
    a.ino === b.ino &&
    a.dev === b.dev
  );
}

/** [first, end) runs of the indexes where `set[i]` is 1. */
export function runsOf(set: Uint8Array, value = 1): [number, number][] {
  const runs: [number, number][] = [];
  for (let i = 0; i < set.length; i++) {
    if (set[i] !== value) continue;
    const last = runs.at(-1);
    if (last && last[1] === i) last[1] = i + 1;
    else runs.push([i, i + 1]);
  }
  return runs;
}
