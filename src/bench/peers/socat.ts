// A raw TCP pipe with socat: no protocol, no verification, no encryption. It
// is the ceiling for "bytes from a file, over loopback, into a file" with
// ordinary tools. Both ends use 128 KiB buffers; socat's 8 KiB default would
// measure syscall overhead rather than the pipe.

import path from 'node:path';
import { freeTcpPort, run, startDaemon, stopDaemon, tcpOpen, waitFor } from '../proc.js';
import { programPath, timeoutFor, type Downloader, type Need } from './common.js';

export const socatNeeds: Need[] = [{ program: 'socat', pkg: 'socat' }];

const BLOCK = String(128 * 1024);

export async function startSocat(srcFile: string, bytes: number): Promise<Downloader> {
  const socat = programPath('socat');
  const port = await freeTcpPort();
  // -U: data flows right to left, from the file to each accepted connection;
  // fork serves one connection per run without restarting the listener.
  const child = startDaemon(socat, ['-b', BLOCK, '-U', `TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`, `OPEN:${srcFile},rdonly`]);
  await waitFor('the socat listener', () => tcpOpen(port));
  const name = path.basename(srcFile);
  return {
    fetch: (destDir) => run(socat, ['-b', BLOCK, '-u', `TCP:127.0.0.1:${port}`, `CREATE:${path.join(destDir, name)}`], { timeoutMs: timeoutFor(bytes) }),
    output: (destDir) => path.join(destDir, name),
    close: () => stopDaemon(child),
  };
}
