// The small file beside a .part that says what the .part holds, so an
// interrupted download can continue — and only when the server's file is
// still the same one.

import { lstat, readFile, rename, writeFile, unlink } from 'node:fs/promises';
import type { FileIdentity } from '../protocol/messages.js';

export interface Sidecar {
  version: 1;
  server: string;
  path: string;
  size: number;
  md5: string;
  identity: FileIdentity;
  /** UDP: chunk size and the chunk ranges held ([start, end) pairs). TCP keeps a plain prefix. */
  chunkSize?: number;
  ranges?: [number, number][];
}

export async function readSidecar(file: string): Promise<Sidecar | undefined> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as Sidecar;
    return value && value.version === 1 && typeof value.md5 === 'string' ? value : undefined;
  } catch {
    return undefined; // missing or torn: start over
  }
}

/** Atomic: a crash leaves either the old sidecar or the new one, never half of one. */
export async function writeSidecar(file: string, value: Sidecar): Promise<void> {
  const temp = `${file}.tmp`;
  try {
    // Created afresh, never written through whatever had the name (a planted link).
    await unlink(temp).catch(() => {});
    await writeFile(temp, JSON.stringify(value), { flag: 'wx' });
    await rename(temp, file);
  } catch (err) {
    // A full disk must not also collect half-written sidecars.
    await unlink(temp).catch(() => {});
    throw err;
  }
}

export async function removeSidecar(file: string): Promise<void> {
  await unlink(file).catch(() => {});
}

export function sameFile(a: Sidecar, b: Omit<Sidecar, 'version'>): boolean {
  return (
    a.server === b.server &&
    a.path === b.path &&
    a.size === b.size &&
    a.md5 === b.md5 &&
    a.identity.size === b.identity.size &&
    a.identity.mtimeMs === b.identity.mtimeMs &&
    a.identity.ino === b.identity.ino &&
    a.identity.dev === b.identity.dev
  );
}

/** What a sidecar must say for a .part to belong to this version of this remote file. */
export function describeRemote(server: string, remote: { path: string; size: number; md5: string; identity: FileIdentity }): Omit<Sidecar, 'version'> {
  return { server, path: remote.path, size: remote.size, md5: remote.md5, identity: remote.identity };
}

/** Size of a file, 0 when it does not exist. */
/** Bytes in a .part, 0 unless it is a regular file (a symlink found there does not count). */
export async function sizeOf(file: string): Promise<number> {
  try {
    const s = await lstat(file);
    return s.isFile() ? s.size : 0;
  } catch {
    return 0;
  }
}
