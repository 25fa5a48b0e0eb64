// One sync call for many files. A batch of small files is made durable
// before any of it takes its name (small-files.ts); with fsync that is one
// call per file, and on ext4 each fsync that finds its file not yet
// committed waits for a journal commit of its own (the thread pool's four
// threads let four share one): measured ~0.25 ms a file quiet, several ms
// loaded. Linux's syncfs(2) writes back the whole filesystem and commits
// once, so one call covers a batch however large.
//
// Node has no binding for syncfs; coreutils' `sync -f DIR` is that one call.
// A process per sync would cost this process ~2 ms of CPU (fork of a large
// process) and 20+ ms of wall time on a loaded machine, so one small shell is
// started per download and asked over a pipe: each line in runs `sync -f`
// once, each line out is its verdict.
//
// Used only where syncfs is known to do what fsync would:
// - Linux 5.8 or later: before that, syncfs did not report writeback errors
//   (since then it does, through the superblock's error sequence, which a
//   fresh open sees if no one has seen it yet, like fsync on a fresh open);
// - a local filesystem whose syncfs writes back and commits (ext2/3/4, XFS,
//   Btrfs, F2FS; tmpfs, where there is nothing to sync): a FUSE or network
//   mount may take syncfs as a no-op.
// Anything else, or a sync that fails, and the caller falls back to fsync
// per file, which is always right. The cost of syncfs is that it also writes
// back what other programs left dirty on that filesystem; rounds are
// coalesced (one runs at a time, every caller waiting meanwhile shares the
// next), so that is paid once per round, not per batch.

import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { accessSync, constants, statfsSync } from 'node:fs';
import { release } from 'node:os';
import type { Readable, Writable } from 'node:stream';

/** statfs f_type of filesystems whose syncfs writes back and commits everything. */
const SYNCFS_FILESYSTEMS = new Set([
  0xef53, // ext2, ext3, ext4
  0x58465342, // XFS
  0x9123683e, // Btrfs
  0xf2f52010, // F2FS
  0x01021994, // tmpfs
]);
const SYNC_PROGRAMS = ['/usr/bin/sync', '/bin/sync'];
const SHELL = '/bin/sh';
/** Each line read runs one syncfs of the filesystem holding $1 ($0 is sync's path). */
const LOOP = 'while read -r _; do "$0" -f "$1" && echo ok || echo fail; done';

interface Round {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** What a batch needs of a sync: everything written before the call is durable once it resolves. */
export interface Syncer {
  sync(): Promise<void>;
}

export class FilesystemSync implements Syncer {
  private readonly child: ChildProcessByStdio<Writable, Readable, null>;
  /** The round in progress (its line sent), and the one whose callers arrived meanwhile. */
  private running: Round | undefined;
  private next: Round | undefined;
  private broken: Error | undefined;
  private pending = '';
  /** syncfs rounds run so far (tests count them). */
  rounds = 0;

  /** A syncer for the filesystem holding `dir` (an existing folder), or undefined where fsync per file is the way. */
  static for(dir: string): FilesystemSync | undefined {
    if (process.platform !== 'linux' || !kernelAtLeast(release(), 5, 8)) return undefined;
    let type: number;
    try {
      type = statfsSync(dir).type;
    } catch {
      return undefined;
    }
    if (!SYNCFS_FILESYSTEMS.has(type)) return undefined;
    const program = SYNC_PROGRAMS.find(executable);
    if (program === undefined || !executable(SHELL)) return undefined;
    return new FilesystemSync(program, dir);
  }

  private constructor(program: string, dir: string) {
    this.child = spawn(SHELL, ['-c', LOOP, program, dir], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (text: string) => this.read(text));
    this.child.on('error', (err) => this.fail(err));
    this.child.on('exit', () => this.fail(new Error('the sync helper ended')));
    this.child.stdin.on('error', (err) => this.fail(err));
    this.idle();
  }

  /**
   * Resolves once everything written to the filesystem before this call is
   * durable; rejects when the sync failed (or cannot run), and then the
   * caller must make its files durable another way.
   */
  sync(): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    // A round already running may have begun before the caller's writes: wait for the next.
    if (this.running) return (this.next ??= round()).promise;
    this.running = round();
    this.send();
    return this.running.promise;
  }

  /** No more rounds: the shell reads the end of its input and exits. */
  close(): void {
    this.fail(new Error('the sync helper was closed'));
    this.child.stdin.end();
  }

  private send(): void {
    this.rounds++;
    // Busy: the pipes keep the process alive until the verdict is in.
    this.child.ref();
    refStream(this.child.stdout, true);
    this.child.stdin.write('\n');
  }

  private read(text: string): void {
    this.pending += text;
    for (let nl = this.pending.indexOf('\n'); nl >= 0; nl = this.pending.indexOf('\n')) {
      const line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      const done = this.running;
      if (!done) return this.fail(new Error('the sync helper answered a question not asked'));
      this.running = this.next;
      this.next = undefined;
      if (this.running) this.send();
      else this.idle();
      if (line === 'ok') done.resolve();
      else {
        // A failed syncfs may have lost writes of anyone's: later rounds could not tell, so none are tried.
        const err = new Error('sync -f failed');
        done.reject(err);
        this.fail(err);
      }
    }
  }

  private fail(err: Error): void {
    this.broken ??= err;
    for (const r of [this.running, this.next]) r?.reject(this.broken);
    this.running = this.next = undefined;
    this.idle();
  }

  /** Between rounds the helper does not keep the process alive. */
  private idle(): void {
    this.child.unref();
    refStream(this.child.stdout, false);
  }
}

function round(): Round {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A round nobody waits on any more (its batch gave up) must not be an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** Pipes are sockets underneath: unref'd, an open one does not hold the event loop. */
function refStream(stream: Readable | Writable, on: boolean): void {
  const handle = stream as unknown as { ref?: () => void; unref?: () => void };
  if (on) handle.ref?.();
  else handle.unref?.();
}

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether a release string such as "6.8.0-45-generic" is at least major.minor. */
export function kernelAtLeast(releaseText: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(releaseText);
  if (!m) return false;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj > major || (maj === major && min >= minor);
}
