// rsync daemon on a high loopback port, serving the source folder read-only.
// One large file is pulled with --whole-file: there is nothing at the
// destination to delta against, and this is how people copy a fresh file with
// rsync. A folder of small files is pulled with plain -r (or -rt).

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freeTcpPort, run, startDaemon, stopDaemon, tcpOpen, waitFor } from '../proc.js';
import { programPath, timeoutFor, type Downloader, type Need } from './common.js';

export const rsyncNeeds: Need[] = [{ program: 'rsync', pkg: 'rsync' }];

let serial = 0;

export interface Rsyncd {
  port: number;
  close(): Promise<void>;
}

/** An rsync daemon serving `srcDir` read-only as the module `bench`. */
export async function startRsyncd(work: string, srcDir: string): Promise<Rsyncd> {
  const rsync = programPath('rsync');
  const port = await freeTcpPort();
  // A folder per daemon (the 512 MiB and 2 GiB cases start one each): its own config, pid file and log.
  const dir = path.join(work, `rsyncd-${++serial}`);
  await fs.mkdir(dir, { recursive: true });
  const conf = path.join(dir, 'rsyncd.conf');
  // Run as ourselves: a root daemon would otherwise drop to "nobody", which
  // cannot read the bench's private (0700) temp folder.
  const { uid, gid } = os.userInfo();
  await fs.writeFile(
    conf,
    [
      `pid file = ${path.join(dir, 'rsyncd.pid')}`,
      'use chroot = no',
      `uid = ${uid}`,
      `gid = ${gid}`,
      `log file = ${path.join(dir, 'rsyncd.log')}`,
      '[bench]',
      `path = ${srcDir}`,
      'read only = yes',
      '',
    ].join('\n'),
  );
  const child = startDaemon(rsync, ['--daemon', '--no-detach', `--config=${conf}`, `--port=${port}`, '--address=127.0.0.1']);
  await waitFor('the rsync daemon', () => tcpOpen(port));
  return { port, close: () => stopDaemon(child) };
}

/** One large file with --whole-file from a daemon of its own. */
export async function startRsync(work: string, srcDir: string, file: string, bytes: number): Promise<Downloader> {
  const rsync = programPath('rsync');
  const daemon = await startRsyncd(work, srcDir);
  return {
    fetch: (destDir) => run(rsync, ['--whole-file', `rsync://127.0.0.1:${daemon.port}/bench/${file}`, `${destDir}/`], { timeoutMs: timeoutFor(bytes) }),
    output: (destDir) => path.join(destDir, file),
    close: () => daemon.close(),
  };
}

/**
 * A whole folder of the daemon's share, with `flags` (-r, -rt): as people
 * type it, `rsync -r rsync://host/module/folder dest/`, landing at dest/folder.
 */
export function rsyncTreeDownloader(daemon: Rsyncd, folder: string, flags: readonly string[], timeoutMs: number): Downloader {
  const rsync = programPath('rsync');
  return {
    fetch: (destDir) => run(rsync, [...flags, `rsync://127.0.0.1:${daemon.port}/bench/${folder}`, `${destDir}/`], { timeoutMs }),
    output: (destDir) => path.join(destDir, folder),
    close: async () => {},
  };
}
