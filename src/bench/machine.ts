// What the numbers were measured on. Loopback throughput depends mostly on
// the CPU and kernel, so those go beside every table.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memoryBytes: number;
  node: string;
  kernel: string;
  platform: string;
  /**
   * 1-minute load average when the bench started and ended. Loopback numbers
   * swing with whatever else the machine is doing; this says how busy it was.
   */
  load: { start: number; end?: number };
}

function cpuModel(): string {
  const fromOs = os.cpus()[0]?.model?.trim();
  if (fromOs) return fromOs;
  // Some VMs leave os.cpus() empty; /proc/cpuinfo still names the model.
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return m?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export function describeMachine(): Machine {
  return {
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    platform: `${process.platform}-${process.arch}`,
    load: { start: os.loadavg()[0] ?? 0 },
  };
}

export function machineLine(m: Machine): string {
  const gib = (m.memoryBytes / 2 ** 30).toFixed(1);
  return `${m.cpu}, ${m.cores} cores, ${gib} GiB memory, Node ${m.node}, ${m.kernel} (${m.platform})`;
}

export function loadLine(m: Machine): string {
  const end = m.load.end !== undefined ? `, ${m.load.end.toFixed(2)} at the end` : '';
  return `load average (1 min) ${m.load.start.toFixed(2)} at the start${end}, on ${m.cores} cores`;
}

export function finishMachine(m: Machine): Machine {
  return { ...m, load: { ...m.load, end: os.loadavg()[0] ?? 0 } };
}

export interface Revision {
  version: string;
  /** git commit of the measured tree, when it is a git checkout. */
  commit?: string;
  /** Uncommitted changes under src/ or bin/: the numbers are for work in progress. */
  dirty?: boolean;
}

/** Which ferry was measured: numbers without the code they came from cannot be compared later. */
export function describeRevision(root: string): Revision {
  let version = 'unknown';
  try {
    version = (JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { version?: string }).version ?? version;
  } catch {
    // not fatal: the bench still measures
  }
  const git = (args: string[]) => spawnSync('git', ['-C', root, ...args], { encoding: 'utf8' });
  const head = git(['rev-parse', 'HEAD']);
  if (head.status !== 0) return { version };
  const status = git(['status', '--porcelain', '--', 'src', 'bin']);
  return { version, commit: head.stdout.trim(), dirty: status.stdout.trim() !== '' };
}

export function revisionLine(r: Revision): string {
  if (!r.commit) return `ferry ${r.version}`;
  return `ferry ${r.version} at ${r.commit.slice(0, 10)}${r.dirty ? ' plus uncommitted changes' : ''}`;
}
