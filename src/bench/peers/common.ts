// What the download peers have in common: programs they need (with the Debian
// package that provides each, for the "how to install" note) and the shape
// a case drives them through.

import type { RunResult } from '../proc.js';
import { which } from '../proc.js';

export interface Need {
  program: string;
  pkg: string;
}

/** The needs whose program is not on this machine. */
export function missing(needs: readonly Need[]): Need[] {
  return needs.filter((n) => which(n.program) === undefined);
}

/** Full path of a needed program (call after missing() came back empty). */
export function programPath(name: string): string {
  const full = which(name);
  if (!full) throw new Error(`${name} not found`);
  return full;
}

/** A started server plus the client command that fetches one file from it. */
export interface Downloader {
  /** Fetch the file into `destDir` (fresh and empty), as one timed client process. */
  fetch(destDir: string): Promise<RunResult>;
  /** Where the fetched file lands inside destDir. */
  output(destDir: string): string;
  close(): Promise<void>;
}

/** Per-run timeout for moving `bytes`: generous (20 MB/s floor) so only a hang trips it. */
export function timeoutFor(bytes: number): number {
  return 30_000 + Math.ceil(bytes / 20e6) * 1000;
}
