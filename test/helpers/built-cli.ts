// The real `ferry` binary for process-level tests, built from the sources into
// a scratch folder under node_modules (so packages resolve and the working
// tree's dist/ is never touched), with a private HOME and XDG folders.

import fs from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

const repo = path.resolve(import.meta.dirname, '../..');

export interface BuiltCli {
  home: string;
  /** Path of bin/ferry.js to run with process.execPath. */
  bin: string;
  /** A minimal environment whose state, cache and data folders live in `home`. */
  env: NodeJS.ProcessEnv;
  remove(): Promise<void>;
}

export async function buildCli(tag: string): Promise<BuiltCli> {
  const home = await fs.mkdtemp(path.join(repo, 'node_modules', `.cache-ferry-${tag}-`));
  await fs.mkdir(path.join(home, 'bin'), { recursive: true });
  await fs.copyFile(path.join(repo, 'bin/ferry.js'), path.join(home, 'bin/ferry.js'));
  await fs.copyFile(path.join(repo, 'package.json'), path.join(home, 'package.json'));
  // tsc still emits when unrelated files have type errors; the CLI only needs its own graph.
  await execa(
    process.execPath,
    [path.join(repo, 'node_modules/typescript/bin/tsc'), '-p', path.join(repo, 'tsconfig.build.json'), '--outDir', path.join(home, 'dist')],
    { reject: false },
  );
  await fs.access(path.join(home, 'dist/cli/main.js'));
  // bin/ferry.js runs the bundle, made from that output exactly as `npm run build` does.
  await execa(process.execPath, [path.join(repo, 'node_modules/rolldown/bin/cli.mjs'), '-c', path.join(repo, 'rolldown.config.mjs')], { cwd: home });
  await fs.access(path.join(home, 'dist/bundle/main.js'));
  return {
    home,
    bin: path.join(home, 'bin/ferry.js'),
    env: {
      PATH: process.env.PATH,
      HOME: home,
      XDG_STATE_HOME: path.join(home, 'state'),
      XDG_CACHE_HOME: path.join(home, 'cache'),
      XDG_DATA_HOME: path.join(home, 'data'),
    },
    remove: () => fs.rm(home, { recursive: true, force: true }),
  };
}
