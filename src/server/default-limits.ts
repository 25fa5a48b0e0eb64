// The limits a server runs with unless told otherwise, each with the reason for
// its value. `ferry serve --verbose` prints them; docs/security.md tabulates them
// with the tests that hold the server to them; tests lower them through the
// `limits` option.

import type { ServerLimits } from './context.js';
import { HANDSHAKE_TIMEOUT_MS } from './session.js';

export const DEFAULT_LIMITS: ServerLimits = {
  // Each client holds a control connection plus one per running transfer, and
  // a busy machine (or a NAT) may run dozens of clients: generous, but bounded.
  connectionsPerAddress: 256,
  connections: 1024,
  // Peers that have proved nothing get an eighth of the room: a real client
  // leaves this pool within a round trip or two (HELLO, AUTH), so 128 is
  // plenty for bursts of honest connects, and the other 896 places are kept
  // for clients that authenticated. When the pool is full the OLDEST waiting
  // peer is closed to admit the new one (sshd's MaxStartups early drop): an
  // attacker holding idle connections loses them, while a client that
  // authenticates in milliseconds is never the oldest for long.
  unauthenticated: 128,
  // One address may hold a quarter of the pool, so a single host (or one
  // attacker without many addresses) cannot push everyone else's handshakes
  // out; past it, that address's own oldest waiting peer makes way.
  unauthenticatedPerAddress: 32,
  // Plenty for a TLS handshake plus HELLO/AUTH over a slow link; a peer still
  // silent after this holds a descriptor for nothing.
  handshakeMs: HANDSHAKE_TIMEOUT_MS,
  idleMs: 5 * 60_000,
  udpSessionsPerAddress: 4,
  // A reading client never has much queued: DATA waits for the connection to
  // drain, so at most one 1 MiB chunk per running transfer sits in the buffer,
  // and the other frames are small (ITEM batches fit a 64 KiB header). 8 MiB
  // is twice that with room for bursts; past it the client is not reading and
  // is disconnected. Every frame kind counts (PONG, ITEM, REPLY, ERROR, DATA).
  unreadBytes: 8 * 1024 * 1024,
  // A client on the slowest link still takes some bytes every few seconds; one
  // that takes none for a minute is not reading, and holds its transfers'
  // files and queued chunks for nothing (a token holder with a thousand such
  // connections would otherwise pin ~4 GB for as long as TCP keeps them).
  sendStallMs: 60_000,
  // Clients open a connection per transfer, so a well-behaved one runs one
  // here; two lets a client overlap the end of one transfer with the next.
  // The rest wait their turn holding no file and no chunk, which bounds a
  // non-reading connection to ~4 MiB (two transfers: a chunk queued or waiting
  // to be sent, and one read ahead each) and 2 descriptors, however much it asks.
  transfersPerConnection: 2,
  // An open walk holds two descriptors a level and a slice of entries (a keyword
  // search, eight open files too): 64 open walks stay far inside the descriptor
  // and memory budget (some 10 MB of slices), and so many are admitted at once
  // that a short listing takes its turn beside long ones instead of queueing
  // behind them. 64 more may wait to start (holding nothing); past that a walk
  // is refused as busy rather than queued forever.
  walks: 64,
  walksWaiting: 64,
  // Open walks take turns a slice at a time: two at once keep two cores and the
  // disk busy, and a short listing waits for a few slices, not for a long walk.
  walkSteps: 2,
  // One at a time per connection, so one client's 64 listings queue behind each
  // other instead of taking every turn the server has.
  walksPerConnection: 1,
  // A watch costs a kernel watch per folder and a bounded map of changes per
  // client (watchPending paths and at most 1 MiB of them, some 200 KB for
  // typical paths): 256 followers in all, 8 per connection (the app follows
  // one folder; a sync one or two).
  watches: 256,
  watchesPerConnection: 8,
  // Linux allows each user some 8,192 to 500,000 inotify watches (the machine's
  // fs.inotify.max_user_watches); 16,384 folders leaves room for other programs.
  watchedFolders: 16_384,
  // 4,096 changed paths (at most 4 KiB each, mostly far less) per client: a
  // burst larger than that is cheaper to send as one rescan than path by path.
  watchPending: 4096,
  // No upload stalls for a day: the idle limit closes a silent connection after
  // minutes. Only a temp file whose pid is alive (another server on the share,
  // or a process that reused a dead server's pid) waits this long.
  staleUploadMs: 24 * 3600_000,
  // About a second of background walking on a local disk; temp files deeper in
  // a bigger share stay until a later start reaches them (or forever, hidden).
  staleUploadScanEntries: 200_000,
  // A recursive remove deletes at most this many entries per request (a second
  // or so on a local disk), then answers `more` and the client asks again: one
  // request never holds a walk slot for minutes, and each step is logged.
  removeEntries: 10_000,
  // A folder copy goes into one temp folder that is renamed into place at the
  // end, so it cannot be done in parts: bounded instead, like a listing's walk.
  copyEntries: 10_000,
};
