// The shapes the cases produce and the table, chart and JSON consume.

import type { Machine, Revision } from './machine.js';
import type { Summary } from './stats.js';

export type Status = 'ok' | 'failed' | 'skipped' | 'not available';

export interface Row {
  /** What ran, as a reader would name it ("rsync daemon", "scp -s"). */
  tool: string;
  /** ferry's own row: the one every peer in the case is compared with. */
  ferry: boolean;
  status: Status;
  /** Why a row failed or was skipped, or a fairness detail. */
  note?: string;
  /** Timed runs, in seconds (warm-up excluded). */
  seconds: number[];
  summary?: Summary;
  /** Units (MB or files) per second at the median time. */
  rate?: number;
  /** This row's median time ÷ ferry's: above 1 means ferry is faster. */
  ferryTimes?: number;
}

export interface CaseResult {
  id: string;
  title: string;
  /** The workload in words, e.g. "one 512 MiB file". */
  workload: string;
  /** What `rate` counts. */
  unit: 'MB/s' | 'files/s';
  rows: Row[];
  /** The concurrent case only: N clients' aggregate rate against one client's. */
  concurrency?: Concurrency;
  /** The udp-loss case only: the lossy relay row against the clean one. */
  udpLoss?: UdpLoss;
  /** Requirements stated as a ratio of two rows' median times (issue #12's speed targets). */
  targets?: Target[];
}

/**
 * One requirement on a ratio of median times in the same run, e.g. "ferry at
 * least 1.0× as fast as the rsync daemon" or "cold at most 1.5× warm".
 */
export interface Target {
  /** What the ratio is, in words: "rsync daemon's time ÷ ferry's". */
  what: string;
  /** The tool whose row carries the verdict in its note. */
  tool: string;
  /** The measured ratio (absent when either row failed). */
  ratio?: number;
  /** 'min': the ratio must be at least `target`; 'max': at most. */
  bound: 'min' | 'max';
  target: number;
  met?: boolean;
}

export interface Concurrency {
  clients: number;
  /** Bytes each client downloads. */
  bytesEach: number;
  /** Aggregate MB/s of all clients at once ÷ one client's MB/s, at the median times (absent when either row failed). */
  ratio?: number;
  /** The requirement: ratio at least this. */
  target: number;
  met?: boolean;
}

export interface UdpLoss {
  /** What the relay does in the lossy row, each way: drop and reorder probabilities per datagram. */
  drop: number;
  reorder: number;
  /** Goodput through the lossy relay ÷ through the clean one, at the median times (absent when either row failed). */
  goodput?: number;
  /** The requirement: goodput at least this. */
  goodputTarget: number;
  goodputMet?: boolean;
  /**
   * Per timed run of the lossy row: bytes ferry retransmitted (its --json
   * datagramsRetransmitted × datagramBytes) and bytes the relay dropped on the
   * way to the client.
   */
  retransmittedBytes: number[];
  droppedBytes: number[];
  /** Median over those runs of retransmitted ÷ dropped (absent when the row failed or nothing was dropped). */
  retransmit?: number;
  /** The requirement: retransmit under this. */
  retransmitTarget: number;
  retransmitMet?: boolean;
}

export interface RssRow {
  process: string;
  peakBytes: number;
  /** The run failed: its peak says nothing about a whole transfer. */
  failed?: boolean;
  note?: string;
}

export interface RssResult {
  workload: string;
  targetBytes: number;
  rows: RssRow[];
  status: Status;
  note?: string;
}

/** One scenario of the "server under attack" row. */
export interface AttackRow {
  scenario: string;
  /** The server's peak resident set (VmHWM) and most open descriptors, over its whole life. */
  peakRssBytes: number;
  peakFds: number;
  /** The same just before the attack began (the server idle with the real client connected). */
  baselineRssBytes: number;
  baselineFds: number;
  /** The real client's longest wait for an answer, and how many of its questions failed. */
  worstLatencyMs: number;
  /** Which question waited longest (ping, list, new connection). */
  worstKind?: string;
  probes: number;
  failedProbes: number;
  firstFailure?: string;
  /** How the server ended, if it did not survive the scenario. */
  serverExited?: string;
  /** What the server did to the attackers (closed, refused, answered). */
  attackers: string;
  seconds: number;
  met: boolean;
}

export interface AttackResult {
  rssTargetBytes: number;
  latencyTargetMs: number;
  rows: AttackRow[];
  status: Status;
  note?: string;
}

export interface BenchOptions {
  quick: boolean;
  /** Size of the one-large-file downloads. */
  size: number;
  runs: number;
  warmup: number;
  hashFiles: number;
  hashBytes: number;
  listFiles: number;
  /** The many-small-files download: how many files of 1–16 KiB in the folder. */
  smallFiles: number;
  rssSize: number;
  /** The big-file downloads (tcp-big, cold): issue #12's 2 GiB rows. */
  bigSize: number;
  /** Concurrent case: how many clients at once, and the file each downloads. */
  concurrentClients: number;
  concurrentSize: number;
  /** Attack row: entries in the folder the listing crowd walks, and how long each scenario lasts. */
  attackEntries: number;
  attackSeconds: number;
  only: Set<string>;
  /** The app case's parts to run (keys, download, v); all by default. */
  appParts: string[];
}

export interface BenchResults {
  format: 1;
  date: string;
  machine: Machine;
  ferry: Revision;
  options: Omit<BenchOptions, 'only'> & { only: string[] };
  cases: CaseResult[];
  rss?: RssResult;
  attack?: AttackResult;
  /** How long the whole bench took, seconds. */
  elapsed: number;
}

/** What every case gets: where to work, how often to run, where to say what is happening. */
export interface BenchContext {
  /** The bench's temp folder (removed at the end). */
  work: string;
  /** The package root (for bin/ferry.js). */
  root: string;
  options: BenchOptions;
  log: (line: string) => void;
}
