// Spawning and timing for the bench. Every measurement is a whole client
// process, spawn to exit, timed with process.hrtime: that is what a person
// waits for, and it charges every tool its own start-up cost the same way.
//
// node:child_process rather than execa (which the tests use): measured here, a
// `node -e 0` took a median 4-6 ms longer spawn to exit through execa (72-75 ms
// against 67-69 ms, 30 runs each, twice), and loading execa costs ~140 ms. The
// bench times whole processes of a few hundred milliseconds, so that would be
// a 1-2 % thumb on the scale for every tool alike; plain spawn adds nothing.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import dgram from 'node:dgram';
import net from 'node:net';
import path from 'node:path';

export interface RunResult {
  /** Wall time from spawn to exit, in seconds. */
  seconds: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Peak resident set (VmHWM) in bytes, as last sampled; 0 if never sampled. */
  peakRss: number;
  timedOut: boolean;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the process after this long and report timedOut. */
  timeoutMs?: number;
  /** Poll /proc/PID/status for VmHWM while the process runs. */
  sampleRss?: boolean;
  /** Keep stdout (listings can be megabytes; most runs only need the tail). */
  keepStdout?: boolean;
  /** Called once the process exists, e.g. to cut it off part way (the resume case). */
  onSpawn?: (child: ChildProcess) => void;
}

const TAIL = 64 * 1024;
const RSS_POLL_MS = 20;

/**
 * The process that does the work behind `pid`: `ferry serve` starts once more
 * with a heap limit (bin/ferry.js), so its one child is the server whose memory
 * and descriptors count; any other process is itself.
 */
export function workerPid(pid: number): number {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return children.length === 1 ? Number(children[0]) : pid;
  } catch {
    return pid;
  }
}

/** Peak resident set of a live process in bytes (VmHWM), or 0 if it is gone. */
export function readPeakRss(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    return m?.[1] ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0; // exited between polls: the previous sample stands
  }
}

/** Polls VmHWM every few ms; VmHWM only grows, so the last sample is the best estimate. */
export class RssSampler {
  peak = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly pid: number) {
    this.sample();
    this.timer = setInterval(() => this.sample(), RSS_POLL_MS);
  }
  sample(): void {
    this.peak = Math.max(this.peak, readPeakRss(this.pid));
  }
  stop(): number {
    clearInterval(this.timer);
    return this.peak;
  }
}

/** Run a command to completion and time it. Never rejects for a non-zero exit. */
export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const sampler = options.sampleRss && child.pid !== undefined ? new RssSampler(child.pid) : undefined;
    options.onSpawn?.(child);
    const timer = options.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, options.timeoutMs)
      : undefined;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (!options.keepStdout && stdout.length > 2 * TAIL) stdout = stdout.slice(-TAIL);
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (stderr.length > 2 * TAIL) stderr = stderr.slice(-TAIL);
    });
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      sampler?.stop();
      reject(err);
    });
    // 'close' rather than 'exit': the pipes are drained, so the output is complete.
    child.on('close', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (timer) clearTimeout(timer);
      const peakRss = sampler?.stop() ?? 0;
      resolve({ seconds, code, signal, stdout, stderr, peakRss, timedOut });
    });
  });
}

/** The last non-empty line of some output, for one-line failure notes. */
export function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

/** Describe a failed run in one line. */
export function failure(r: RunResult): string {
  if (r.timedOut) return `timed out after ${r.seconds.toFixed(0)} s`;
  const how = r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
  const why = lastLine(r.stderr) || lastLine(r.stdout);
  return why ? `${how}: ${why}` : how;
}

// ---- long-running helpers (servers the bench starts and must stop) ----

const live = new Set<ChildProcess>();

/** Start a server process; it is stopped by stopAll() even if the bench fails. */
export function startDaemon(cmd: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  live.add(child);
  child.on('exit', () => live.delete(child));
  // Keep the pipes flowing so a chatty daemon never blocks on a full pipe.
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

/** Ask a daemon to stop (SIGTERM, then SIGKILL after a grace period) and wait for it. */
export function stopDaemon(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/** Stop every daemon still running (used on the way out, including Ctrl-C). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => stopDaemon(c, 'SIGTERM', 2000)));
}

/** Kill remaining daemons synchronously; for process 'exit' where nothing can be awaited. */
export function killAllNow(): void {
  for (const c of live) c.kill('SIGKILL');
}

/** Wait until `check` is true, polling, or fail with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A TCP connect to 127.0.0.1:port succeeds. */
export function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Something is bound to UDP 127.0.0.1:port (read from /proc/net/udp; no probe packet needed). */
export function udpBound(port: number): boolean {
  try {
    const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
    return readFileSync('/proc/net/udp', 'utf8')
      .split('\n')
      .some((line) => line.trim().split(/\s+/)[1]?.endsWith(hex));
  } catch {
    return false;
  }
}

/** A free loopback TCP port (bind 0, read it, close). Racy in theory, fine on a quiet machine. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** A free loopback UDP port. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Full path of a program, or undefined. Daemons live in /usr/sbin, which is
 * often not on a normal user's PATH, so those folders are searched too.
 */
export function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const full = path.join(dir, name);
    try {
      accessSync(full, constants.X_OK);
      return full;
    } catch {
      // not here
    }
  }
  return undefined;
}
