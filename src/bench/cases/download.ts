// Shared by the TCP and UDP cases: time one Downloader into a fresh, empty
// destination folder per run and check every output by MD5 against the source.

import fs from 'node:fs/promises';
import path from 'node:path';
import { md5File, sizeOf } from '../data.js';
import { measure, type MeasureSpec } from '../measure.js';
import type { Downloader } from '../peers/common.js';
import type { RunResult } from '../proc.js';
import type { BenchContext, Row } from '../types.js';

export interface Source {
  dir: string;
  name: string;
  bytes: number;
  md5: string;
}

let destSerial = 0;

export type DownloadExtra = Partial<Omit<MeasureSpec, 'once' | 'check' | 'before' | 'after'>> & { checkOutput?: (r: RunResult) => string | undefined };

export function measureDownload(ctx: BenchContext, tool: string, d: Downloader, src: Source, extra: DownloadExtra = {}): Promise<Row> {
  return measure(
    ctx,
    downloadSpec(ctx, tool, () => d, src, extra),
  );
}

/**
 * One download row's runs: a fresh destination before each, the timed fetch,
 * the output checked, the destination removed. `d` is asked for the
 * downloader at every run (a case may start a new server per run); `dest()`
 * is the current run's folder.
 */
export function downloadSpec(ctx: BenchContext, tool: string, d: () => Downloader, src: Source, extra: DownloadExtra = {}): MeasureSpec & { dest(): string } {
  let dest = '';
  const { checkOutput, ...rest } = extra;
  return {
    tool,
    ...rest,
    dest: () => dest,
    before: async () => {
      dest = path.join(ctx.work, 'dest', String(++destSerial));
      await fs.mkdir(dest, { recursive: true });
    },
    once: () => d().fetch(dest),
    check: async (r) => {
      const own = checkOutput?.(r);
      if (own) return own;
      const out = d().output(dest);
      const size = await sizeOf(out);
      if (size !== src.bytes) return `output has ${size} bytes, source ${src.bytes}`;
      const md5 = await md5File(out);
      return md5 === src.md5 ? undefined : `output MD5 ${md5} differs from source ${src.md5}`;
    },
    explain: async () => {
      const got = await sizeOf(d().output(dest));
      return `(${(got / 1e6).toFixed(0)} of ${(src.bytes / 1e6).toFixed(0)} MB had arrived)`;
    },
    after: async () => {
      // Remove each output at once: the page cache should hold the source, not old copies.
      await fs.rm(dest, { recursive: true, force: true });
    },
  };
}
