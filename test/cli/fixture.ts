// A temp share with known contents and times, a real server over it, and the
// CLI run in-process against that server. Expected answers come from the files
// themselves (truth()), never from the server.

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { FerryServer } from '../../src/server/server.js';
import { createTempShare, type TempShare } from '../helpers/temp-share.js';
import { run } from './fake-io.js';

export const local = (...a: number[]) => new Date(a[0] as number, (a[1] as number) - 1, a[2], a[3] ?? 0, a[4] ?? 0, a[5] ?? 0).getTime();
export const BIN = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff));

export const SPEC = {
  'a.txt': { content: 'alpha lighthouse\n', mtime: local(2019, 3, 1, 10) },
  'b.md': { content: 'beta\n', mtime: local(2020, 6, 15, 12) },
  'docs/c.txt': { content: 'gamma lighthouse keeper\n', mtime: local(2021, 1, 10, 8) },
  'docs/deep/d.bin': { content: BIN, mtime: local(2022, 12, 31, 23, 59, 59) },
  'my file.txt': { content: 'spaces in the name\n', mtime: local(2023, 5, 5, 5, 5, 5) },
  '.hidden.txt': { content: 'secret lighthouse\n', mtime: local(2020, 2, 2) },
};

export let share: TempShare;
let server: FerryServer;
export let scratch: string;
export let env: Record<string, string>;

export interface Truth {
  path: string;
  name: string;
  ext: string;
  size: number;
  mtimeMs: number;
  type: 'file' | 'dir';
  md5?: string;
}

/** Walk the share with fs: what a correct listing must say. */
export async function truth(rel = '', hidden = false): Promise<Truth[]> {
  const out: Truth[] = [];
  for (const d of await fs.readdir(path.join(share.root, rel), { withFileTypes: true })) {
    if (!hidden && d.name.startsWith('.')) continue;
    const p = rel ? `${rel}/${d.name}` : d.name;
    const abs = path.join(share.root, p);
    const st = await fs.stat(abs);
    const dir = d.isDirectory();
    const dot = d.name.lastIndexOf('.');
    out.push({
      path: p,
      name: d.name,
      ext: !dir && dot > 0 ? d.name.slice(dot).toLowerCase() : '',
      size: dir ? 0 : st.size,
      mtimeMs: st.mtimeMs,
      type: dir ? 'dir' : 'file',
      ...(dir
        ? {}
        : {
            md5: createHash('md5')
              .update(await fs.readFile(abs))
              .digest('hex'),
          }),
    });
    if (dir) out.push(...(await truth(p, hidden)));
  }
  return out.sort((x, y) => x.path.localeCompare(y.path));
}

export const files = (t: Truth[]) => t.filter((e) => e.type === 'file');
export const byPath = <T extends { path: string }>(rows: T[]) => [...rows].sort((x, y) => x.path.localeCompare(y.path));

export async function cli(argv: string[], options: { stdin?: string; cwd?: string } = {}) {
  return run(argv, { env, ...options });
}

export async function json<T>(argv: string[]): Promise<T> {
  const r = await cli([...argv, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as T;
}

/** Start the share and its server for the calling test file. */
export function useShareServer(): void {
  beforeAll(async () => {
    share = await createTempShare(SPEC);
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-cli-'));
    server = await FerryServer.start({ root: share.root, host: '127.0.0.1', port: 0, logFile: path.join(scratch, 'log.jsonl'), hashIndexFile: null });
    env = { FERRY_SERVER: `127.0.0.1:${server.port}`, FERRY_CACHE_DIR: path.join(scratch, 'cache') };
  });

  afterAll(async () => {
    await server?.close();
    await share?.remove();
    await fs.rm(scratch, { recursive: true, force: true });
  });
}
