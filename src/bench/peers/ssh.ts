// OpenSSH on loopback: a private sshd on a high port, started by the bench
// with its own config, host key and a throwaway client key in the temp
// folder; nothing of the machine's own ssh setup is read or changed (the
// client runs with -F /dev/null). The client is `scp -s`, which speaks the
// sftp protocol, as current OpenSSH does by default.

import { mkdirSync, existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { failure, freeTcpPort, run, startDaemon, stopDaemon, tcpOpen, waitFor } from '../proc.js';
import { programPath, timeoutFor, type Downloader, type Need } from './common.js';

export const sshNeeds: Need[] = [
  { program: 'sshd', pkg: 'openssh-server' },
  { program: 'scp', pkg: 'openssh-client' },
  { program: 'ssh-keygen', pkg: 'openssh-client' },
];

export interface Sshd {
  port: number;
  user: string;
  key: string;
  close(): Promise<void>;
}

async function keygen(file: string): Promise<void> {
  const r = await run(programPath('ssh-keygen'), ['-q', '-t', 'ed25519', '-N', '', '-C', 'ferry-bench', '-f', file]);
  if (r.code !== 0) throw new Error(`ssh-keygen: ${failure(r)}`);
}

let serial = 0;

export async function startSshd(work: string): Promise<Sshd> {
  // A folder per sshd: two cases start one each, and ssh-keygen will not overwrite a key.
  const dir = path.join(work, `sshd-${++serial}`);
  await fs.mkdir(dir, { recursive: true });
  const hostKey = path.join(dir, 'host_ed25519');
  const userKey = path.join(dir, 'user_ed25519');
  await keygen(hostKey);
  await keygen(userKey);
  const authorized = path.join(dir, 'authorized_keys');
  await fs.copyFile(`${userKey}.pub`, authorized);
  await fs.chmod(authorized, 0o600);
  // A root sshd insists on its privilege-separation folder, which Debian
  // creates only when the system service starts. A non-root sshd skips
  // privilege separation and can only log in as the same user, which is all
  // the bench needs.
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755, recursive: true });
  const port = await freeTcpPort();
  const config = path.join(dir, 'sshd_config');
  await fs.writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorized}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // The temp folder is ours but not laid out like a home directory.
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'Subsystem sftp internal-sftp',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  // sshd refuses to start unless invoked by its full path.
  const child = startDaemon(programPath('sshd'), ['-D', '-e', '-f', config]);
  let early = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (early += d));
  await waitFor('sshd', async () => {
    if (child.exitCode !== null) throw new Error(`sshd exited: ${early.trim()}`);
    return tcpOpen(port);
  });
  return { port, user: os.userInfo().username, key: userKey, close: () => stopDaemon(child) };
}

/** The client's options: nothing of the machine's ssh setup, our key, no prompts; `cipher` overrides OpenSSH's default choice. */
function scpOptions(sshd: Sshd, cipher?: string): string[] {
  return [
    '-F',
    '/dev/null',
    '-i',
    sshd.key,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    ...(cipher ? ['-o', `Ciphers=${cipher}`] : []),
    '-P',
    String(sshd.port),
  ];
}

/** `scp -s` of one absolute source file; `cipher` overrides OpenSSH's default choice. */
export function scpDownloader(sshd: Sshd, srcFile: string, bytes: number, cipher?: string): Downloader {
  const scp = programPath('scp');
  const opts = scpOptions(sshd, cipher);
  return {
    fetch: (destDir) => run(scp, ['-s', '-q', ...opts, `${sshd.user}@127.0.0.1:${srcFile}`, `${destDir}/`], { timeoutMs: timeoutFor(bytes) }),
    output: (destDir) => path.join(destDir, path.basename(srcFile)),
    close: async () => {},
  };
}

/** `scp -s -r` of one absolute source folder, landing at destDir/<its name>. */
export function scpTreeDownloader(sshd: Sshd, srcDir: string, timeoutMs: number, cipher?: string): Downloader {
  const scp = programPath('scp');
  const opts = scpOptions(sshd, cipher);
  return {
    fetch: (destDir) => run(scp, ['-s', '-r', '-q', ...opts, `${sshd.user}@127.0.0.1:${srcDir}`, `${destDir}/`], { timeoutMs }),
    output: (destDir) => path.join(destDir, path.basename(srcDir)),
    close: async () => {},
  };
}
