// Who writes a cached download's .part. Two ferry processes sharing a cache
// that fetch the same remote file would otherwise both write
// parts/<key>.part, and each would see the other's bytes as its own.
//
// The stable .part (the one a later run resumes) belongs to whoever holds
// parts/<key>.claim: a file with {pid, host, nonce}, made by link() from a
// private temp like the cache lock (lock.ts), so it is never half-written.
// Unlike the cache lock it is held for a whole download, so there is no age
// limit: a claim is stale only when its holder is a process on this host that
// no longer exists. A claim from another host is taken as live, the safe
// side (that host's process may well be writing).
//
// Whoever finds the claim held gets a private .part instead,
// parts/<key>.<pid>-<rand>.part, which nobody else will ever name; it cannot
// be resumed by a later run, so it is removed on release (and by the startup
// repair when its process died).

import { randomBytes } from 'node:crypto';
import { link, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { errCode, ioError, pidAlive, tempBase, tempName, unlinkQuiet } from './fsutil.js';
import { breakLockAt, parseHolder, readText } from './lock.js';

export interface PartClaim {
  part: string;
  sidecar: string;
  /** True for the stable, resumable path; false for a private one. */
  stable: boolean;
  /** Give the claim up: the stable .part stays for a later resume, a private one goes. */
  release(): Promise<void>;
}

export const CLAIM_SUFFIX = '.claim';
/** `<key>.<pid>-<12 hex>.part` (and its `.json` sidecar). */
const PRIVATE_PART_RE = /^[0-9a-f]{32}\.(\d+)-[0-9a-f]{12}\.part(\.json)?$/;

/** The pid a private part was made by, or undefined when the name is not one. */
export function privatePartOwner(name: string): number | undefined {
  const m = PRIVATE_PART_RE.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** A claim is stale when its holder is a dead process on this host (or the file is not a claim at all). */
export function claimIsStale(text: string): boolean {
  const holder = parseHolder(text);
  return !holder || (holder.host === hostname() && !pidAlive(holder.pid));
}

export async function claimPart(partsDir: string, tmpDir: string, key: string, pid: number): Promise<PartClaim> {
  const claim = path.join(partsDir, key + CLAIM_SUFFIX);
  const nonce = randomBytes(8).toString('hex');
  const mine = JSON.stringify({ pid, host: hostname(), nonce });
  const temp = tempName(tmpDir, pid, 'claim');
  try {
    await writeFile(temp, mine, { flag: 'wx' });
  } catch (error) {
    throw ioError(error, 'claiming a .part in the cache');
  }
  try {
    // A few rounds: a stale claim is broken, then taken on the next round
    // unless someone else took it first, in which case that one is live.
    for (let round = 0; round < 3; round++) {
      try {
        await link(temp, claim);
        return stableClaim(partsDir, key, claim, nonce);
      } catch (error) {
        if (errCode(error) !== 'EEXIST') throw ioError(error, 'claiming a .part in the cache');
      }
      const held = await readText(claim);
      if (held === undefined) continue; // released between our link and read
      if (!claimIsStale(held)) break;
      await breakLockAt(claim, tmpDir, pid, held);
    }
  } finally {
    await unlinkQuiet(temp);
  }
  return privateClaim(partsDir, key, pid);
}

function stableClaim(partsDir: string, key: string, claim: string, nonce: string): PartClaim {
  const part = path.join(partsDir, `${key}.part`);
  let released = false;
  return {
    part,
    sidecar: `${part}.json`,
    stable: true,
    async release() {
      if (released) return;
      released = true;
      // Only our own claim: had it been broken (we looked dead), it is someone else's now.
      const held = await readText(claim);
      if (held !== undefined && parseHolder(held)?.nonce === nonce) {
        try {
          await unlink(claim);
        } catch (error) {
          if (errCode(error) !== 'ENOENT') throw error;
        }
      }
    },
  };
}

function privateClaim(partsDir: string, key: string, pid: number): PartClaim {
  const part = path.join(partsDir, `${key}.${tempBase(pid)}.part`);
  const sidecar = `${part}.json`;
  return {
    part,
    sidecar,
    stable: false,
    async release() {
      await unlinkQuiet(part);
      await unlinkQuiet(sidecar);
    },
  };
}
