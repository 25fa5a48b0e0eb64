// ferry itself, driven exactly as a user would: `ferry serve` in one process,
// each client command a fresh `ferry ...` process. Every server gets its own
// XDG folders in the temp dir, so its hash index starts empty (a true cold
// start) and nothing of the user's own ferry state is read or written.

import fs from 'node:fs/promises';
import path from 'node:path';
import { RssSampler, readPeakRss, run, startDaemon, stopDaemon, waitFor, workerPid, type RunOptions, type RunResult } from '../proc.js';
import type { BenchContext } from '../types.js';
import type { Downloader } from './common.js';

export interface FerryServer {
  /** HOST:PORT for --server. */
  address: string;
  /** Environment for clients of this server (its own state and cache folders). */
  env: NodeJS.ProcessEnv;
  /** The server's peak resident set so far (VmHWM), bytes. */
  peakRss(): number;
  /** The server process's id (for /proc/PID/status and /proc/PID/fd). */
  pid: number;
  /** How the server ended, with the last line it printed ("exit 134: ... heap out of memory"); undefined while it runs. */
  exited(): string | undefined;
  /** Stop with SIGINT (ferry's clean shutdown); resolves to the server's peak RSS. */
  close(): Promise<number>;
}

let serial = 0;

/** Environment with private XDG folders under `dir`, and no inherited ferry settings. */
async function isolatedEnv(dir: string): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('FERRY_')) delete env[k];
  for (const [k, sub] of [
    ['XDG_CACHE_HOME', 'cache'],
    ['XDG_STATE_HOME', 'state'],
    ['XDG_DATA_HOME', 'data'],
    ['XDG_CONFIG_HOME', 'config'],
  ] as const) {
    env[k] = path.join(dir, sub);
    await fs.mkdir(env[k]!, { recursive: true });
  }
  return env;
}

export function ferryBin(ctx: BenchContext): string {
  return path.join(ctx.root, 'bin', 'ferry.js');
}

/**
 * Start `ferry serve share --port 0 [extra...]` with fresh state; resolves
 * once it prints its address. `extra` are more serve options (--udp-port...).
 */
export async function startFerry(ctx: BenchContext, share: string, extra: readonly string[] = []): Promise<FerryServer> {
  const dir = path.join(ctx.work, `ferry-${++serial}`);
  const env = await isolatedEnv(dir);
  const args = [ferryBin(ctx), 'serve', share, '--port', '0', '--log', path.join(dir, 'serve.log.jsonl'), ...extra];
  const child = startDaemon(process.execPath, args, { env });
  let out = '';
  let err = '';
  // Only the tails are kept: a server under attack may log a line per refusal for as long as it runs.
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-65536)));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-65536)));
  let address = '';
  await waitFor(
    'ferry serve',
    () => {
      if (child.exitCode !== null) throw new Error(`ferry serve exited: ${err.trim().split('\n').pop() ?? child.exitCode}`);
      const m = /on tcp:\/\/(\S+)/.exec(out);
      if (m?.[1]) address = m[1];
      return address !== '';
    },
    20_000,
  );
  // The server itself, not the launcher that started it with a heap limit.
  const pid = workerPid(child.pid!);
  const sampler = new RssSampler(pid);
  return {
    address,
    env,
    pid,
    exited: () => {
      if (child.exitCode === null && child.signalCode === null) return undefined;
      const how = child.signalCode ? `killed by ${child.signalCode}` : `exit ${child.exitCode}`;
      const why = err
        .trim()
        .split('\n')
        .filter((l) => l.trim())
        .pop()
        ?.trim();
      return why ? `${how}: ${why.slice(0, 160)}` : how;
    },
    peakRss: () => {
      sampler.sample();
      return sampler.peak;
    },
    close: async () => {
      // Read VmHWM while the process still exists: after exit it is gone.
      sampler.sample();
      const peak = Math.max(sampler.stop(), readPeakRss(pid));
      await stopDaemon(child, 'SIGINT');
      return peak;
    },
  };
}

/** Run one ferry client command against `server`. */
export function ferryClient(ctx: BenchContext, server: FerryServer, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [ferryBin(ctx), ...args, '--server', server.address, '--json'], { env: server.env, ...options });
}

/** `ferry download FILE --no-cache` into a fresh folder, over TCP or UDP. */
export function ferryDownloader(ctx: BenchContext, server: FerryServer, file: string, timeoutMs: number, udp = false, sampleRss = false): Downloader {
  return {
    fetch: (destDir) => ferryClient(ctx, server, ['download', file, '--dest', destDir, '--no-cache', ...(udp ? ['--udp'] : [])], { timeoutMs, sampleRss }),
    output: (destDir) => path.join(destDir, file),
    close: async () => {},
  };
}

/**
 * `ferry download FOLDER --recursive --no-cache --transfers N` into a fresh
 * folder, landing at destDir/FOLDER; stdout is kept whole for its per-file
 * `--json` verdicts.
 */
export function ferryTreeDownloader(ctx: BenchContext, server: FerryServer, folder: string, transfers: number, timeoutMs: number): Downloader {
  return {
    fetch: (destDir) =>
      ferryClient(ctx, server, ['download', folder, '--recursive', '--transfers', String(transfers), '--dest', destDir, '--no-cache'], {
        timeoutMs,
        keepStdout: true,
      }),
    output: (destDir) => path.join(destDir, folder),
    close: async () => {},
  };
}

/** ferry's own verdict from `download --json`: undefined when it says verified with the right MD5. */
export function checkFerryJson(r: RunResult, md5: string): string | undefined {
  try {
    const j = JSON.parse(r.stdout) as { verified?: boolean; md5?: string };
    if (j.verified !== true) return 'ferry did not report the download as verified';
    if (j.md5 !== md5) return `ferry reported MD5 ${j.md5}, source is ${md5}`;
    return undefined;
  } catch {
    return 'ferry printed no JSON result';
  }
}

/** ferry says a feature is missing (a client still being built), as opposed to failing. */
export function ferryUnavailable(r: RunResult): string | undefined {
  const m = /not (?:available|supported|implemented)[^\n]*/i.exec(r.stderr);
  return r.code !== 0 && m
    ? r.stderr
        .trim()
        .split('\n')
        .pop()
        ?.replace(/^ferry:\s*/, '')
    : undefined;
}
