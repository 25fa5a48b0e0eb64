// TFTP over UDP with atftpd/atftp, the closest common peer to ferry's UDP
// mode. blksize 65464 is the largest block TFTP allows (one datagram per
// block on loopback); windowsize 16 (RFC 7440) lets 16 blocks fly before an
// ACK, which is how TFTP gets past stop-and-wait — when it completes.

import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freeUdpPort, run, startDaemon, stopDaemon, udpBound, waitFor } from '../proc.js';
import { programPath, type Downloader, type Need } from './common.js';

export const atftpNeeds: Need[] = [
  { program: 'atftpd', pkg: 'atftpd' },
  { program: 'atftp', pkg: 'atftp' },
];

export const TFTP_BLKSIZE = 65464;

function groupName(gid: number): string {
  try {
    const line = readFileSync('/etc/group', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[2] === String(gid));
    return line?.split(':')[0] ?? String(gid);
  } catch {
    return String(gid);
  }
}

export interface Atftpd {
  port: number;
  close(): Promise<void>;
}

export async function startAtftpd(work: string, srcDir: string): Promise<Atftpd> {
  const port = await freeUdpPort();
  const dir = path.join(work, 'atftpd');
  await fs.mkdir(dir, { recursive: true });
  // Serve as ourselves: atftpd's default "nobody" cannot read the private temp folder.
  const me = os.userInfo();
  const child = startDaemon(programPath('atftpd'), [
    '--daemon',
    '--no-fork',
    '--port',
    String(port),
    '--bind-address',
    '127.0.0.1',
    '--user',
    `${me.username}.${groupName(me.gid)}`,
    '--logfile',
    path.join(dir, 'atftpd.log'),
    '--pidfile',
    path.join(dir, 'atftpd.pid'),
    srcDir,
  ]);
  await waitFor('atftpd', () => {
    if (child.exitCode !== null) throw new Error(`atftpd exited with ${child.exitCode}`);
    return udpBound(port);
  });
  return { port, close: () => stopDaemon(child) };
}

/**
 * One `atftp -g`. A stalled TFTP transfer retries for a long time, so the
 * timeout is tighter than for the TCP tools: `timeoutMs` comes from the case.
 */
export function atftpDownloader(server: Atftpd, file: string, timeoutMs: number, windowsize?: number): Downloader {
  const atftp = programPath('atftp');
  const options = ['--option', `blksize ${TFTP_BLKSIZE}`, ...(windowsize ? ['--option', `windowsize ${windowsize}`] : [])];
  return {
    fetch: (destDir) => run(atftp, ['-g', '-r', file, '-l', path.join(destDir, file), ...options, '127.0.0.1', String(server.port)], { timeoutMs }),
    output: (destDir) => path.join(destDir, file),
    close: async () => {},
  };
}
