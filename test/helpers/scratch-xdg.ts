// For test files that run `ferry serve` in-process: the server keeps its hash
// index and default log in the user's state folders, so point XDG_STATE_HOME
// and XDG_CACHE_HOME at a scratch folder for the whole file and put them back after.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/** Registers the hooks; `dir` is the scratch folder once the file's tests run. */
export function useScratchXdg(prefix: string): { readonly dir: string } {
  const box = { dir: '' };
  const saved = { state: process.env.XDG_STATE_HOME, cache: process.env.XDG_CACHE_HOME };
  const restore = (name: 'XDG_STATE_HOME' | 'XDG_CACHE_HOME', value: string | undefined) => {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };
  beforeAll(async () => {
    box.dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
    process.env.XDG_STATE_HOME = path.join(box.dir, 'state');
    process.env.XDG_CACHE_HOME = path.join(box.dir, 'xdg-cache');
  });
  afterAll(async () => {
    restore('XDG_STATE_HOME', saved.state);
    restore('XDG_CACHE_HOME', saved.cache);
    await fs.rm(box.dir, { recursive: true, force: true });
  });
  return box;
}
