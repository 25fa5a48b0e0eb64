// What `ferry serve --verbose` prints at start: every limit in force, one line
// each. The lines come from the limit objects themselves, so a limit someone
// adds to ServerLimits (or to protocol/limits.ts) is printed without touching
// this file; the table below only adds a description, and the field's name
// picks the unit (…Bytes / _BYTES as bytes, …Ms / _MS as a duration).

import { formatBytes, formatDuration, parseBytes } from '../format.js';
import * as protocolLimits from '../protocol/limits.js';

const DESCRIPTIONS: Record<string, string> = {
  // ServerLimits (src/server/context.ts)
  connectionsPerAddress: 'open connections from one IP address',
  connections: 'open connections in all',
  idleMs: 'a connection with nothing in flight is closed after this long idle',
  udpSessionsPerAddress: 'concurrent UDP download sessions from one IP address',
  unreadBytes: 'bytes queued for a client that is not reading (any frame kind) before it is disconnected',
  sendStallMs: 'a client that reads nothing this long while a transfer waits on it is disconnected',
  walks: 'walks of the share (listings, searches, check-all) open at once, over all connections',
  walksWaiting: 'walks waiting to start before new ones are refused as busy',
  walkSteps: 'slices of walks read at once; open walks take turns',
  walksPerConnection: 'walks one connection runs at once; its others wait, holding nothing',
  watches: 'folders followed by clients (watch) at once, over all connections',
  watchesPerConnection: 'folders one connection follows at once',
  watchedFolders: 'folders the server watches in all (one kernel watch each)',
  watchPending: 'changed paths held for one watching client before they become one rescan',
  transfersPerConnection: 'transfers one connection runs at once; the rest wait holding no file',
  unauthenticated: 'connections still in their handshake; when full the oldest is closed for the newcomer',
  unauthenticatedPerAddress: 'connections still in their handshake from one IP address',
  handshakeMs: 'a connection must finish its handshake (TLS, HELLO, AUTH) this soon after accept',
  staleUploadMs: 'an upload temp file whose writer may be alive is removed at start only when this old',
  staleUploadScanEntries: 'entries the start-up walk for stale upload temp files looks at',
  removeEntries: 'entries one recursive remove request deletes; the client asks again for the rest',
  copyEntries: 'entries a folder copy may hold; a bigger folder is refused',
  // LogRotation (src/server/command-log.ts)
  maxFileBytes: 'the command log is rotated before a file would pass this size',
  keepFiles: 'older command log files kept (file.1 … file.N)',
  maxPendingBytes: 'command log lines waiting for a slow disk; past this new lines are dropped and counted',
  maxLineBytes: 'longest command log line; longer records lose their arguments',
  maxFieldChars: 'longest text field in a command log line (characters); longer ones are cut',
  // src/protocol/limits.ts
  MAX_HEADER_BYTES: 'largest JSON header of one frame',
  MAX_PAYLOAD_BYTES: 'largest payload of one DATA frame',
  MAX_FRAME_BYTES: 'largest whole frame',
  STREAM_CHUNK_BYTES: 'DATA payload size when streaming a file',
  MAX_IN_FLIGHT: 'requests one connection may have open at once',
  LIST_BATCH: 'most entries in one listing ITEM frame',
  MAX_PATH_BYTES: 'longest path a request may name',
  MAX_NAME_BYTES: 'longest single file or folder name',
  MAX_KEYWORD_BYTES: 'longest keyword for content search',
  MAX_HANDSHAKE_FRAME_BYTES: 'largest frame before a connection has authenticated',
};

/** Exports of protocol/limits.ts that describe the format rather than bound anything. */
const NOT_LIMITS = new Set(['PROTOCOL_VERSION', 'FRAME_PREFIX_BYTES']);

function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000 && ms % 1000 !== 0) return `${ms / 1000} s`;
  return formatDuration(ms / 1000);
}

function formatValue(name: string, value: unknown): string {
  if (typeof value !== 'number') return typeof value === 'string' ? value : JSON.stringify(value);
  if (/(Bytes|_BYTES)$/.test(name)) {
    const human = formatBytes(value);
    // 4.1 MiB for 4,259,847 bytes hides the exact limit: show both when rounding lost it.
    return parseBytes(human) === value ? human : `${human} (${value} bytes)`;
  }
  if (/(Ms|_MS)$/.test(name)) return formatMs(value);
  return String(value);
}

export interface LimitGroup {
  /** Put before each name ('log.', 'protocol.'); '' for the server's own limits. */
  prefix: string;
  values: object;
}

/** One line per field of each group, in the objects' own order. */
export function limitLines(groups: readonly LimitGroup[]): string[] {
  const lines: string[] = [];
  for (const { prefix, values } of groups) {
    for (const [name, value] of Object.entries(values)) {
      const description = DESCRIPTIONS[name];
      lines.push(`ferry: limit ${prefix}${name} = ${formatValue(name, value)}${description ? ` — ${description}` : ''}`);
    }
  }
  return lines;
}

/** Everything a running server enforces: its limits, its log rotation, and the protocol's fixed limits. */
export function serverLimitLines(server: { limits: object; logLimits: object }): string[] {
  const protocol = Object.fromEntries(Object.entries(protocolLimits).filter(([name, v]) => typeof v === 'number' && !NOT_LIMITS.has(name)));
  return limitLines([
    { prefix: '', values: server.limits },
    { prefix: 'log.', values: server.logLimits },
    { prefix: 'protocol.', values: protocol },
  ]);
}
