// Every watch on the server: one FolderWatcher per watched folder (and
// recursion), shared by all the clients that follow it, and the limits that
// keep watching bounded (subscriptions per connection and in all, folders
// watched in all).

import { ErrorCode, FerryError } from '../../protocol/errors.js';
import type { ServerLimits } from '../context.js';
import type { ShareStore } from '../store.js';
import { BurstGauge } from '../../protocol/watch-pending.js';
import { kernelQueueEvents } from './burst.js';
import { FolderWatcher } from './folder-watcher.js';
import { Subscription } from './subscription.js';

/** The limits a hub enforces (ServerLimits carries them). */
export type WatchLimits = Pick<ServerLimits, 'watches' | 'watchesPerConnection' | 'watchedFolders' | 'watchPending'>;

interface Shared {
  watcher: FolderWatcher;
  /** Resolves once the watcher has started (every subscriber waits for it). */
  started: Promise<void>;
}

export class WatchHub {
  private readonly shared = new Map<string, Shared>();
  private readonly byConnection = new Map<string, number>();
  private subscriptions = 0;
  private watchedFolders = 0;
  private closed = false;
  /** The most paths any ended subscription held at once. */
  private peakEnded = 0;
  /** Half the kernel's queue in a second: it may have overflowed (burst.ts). */
  private readonly burst = new BurstGauge(Math.floor(kernelQueueEvents() / 2));

  constructor(
    private readonly store: ShareStore,
    private readonly limits: WatchLimits,
  ) {}

  /**
   * Gauges, for tests and the bench: watchers, folders watched, subscriptions,
   * changes waiting to be sent now, and the most one client ever had waiting.
   */
  get stats(): { watchers: number; folders: number; subscriptions: number; pending: number; peakPending: number } {
    let peakPending = this.peakEnded;
    let pending = 0;
    for (const { watcher } of this.shared.values())
      for (const s of watcher.sinks) {
        if (!(s instanceof Subscription)) continue;
        peakPending = Math.max(peakPending, s.pending.peak);
        pending += s.pending.size;
      }
    return { watchers: this.shared.size, folders: this.watchedFolders, subscriptions: this.subscriptions, pending, peakPending };
  }

  /**
   * Follow the folder at client path `rel` for the connection `connection`.
   * Resolves once the folder is watched: from then on every change reaches
   * the subscription. Refused (TOO_MANY_REQUESTS) past the limits.
   */
  async subscribe(rel: string, recursive: boolean, connection: string): Promise<Subscription> {
    if (this.closed) throw new FerryError(ErrorCode.ShuttingDown, 'server is shutting down');
    const { watches, watchesPerConnection, watchPending } = this.limits;
    const mine = this.byConnection.get(connection) ?? 0;
    if (mine >= watchesPerConnection) throw new FerryError(ErrorCode.TooManyRequests, `more than ${watchesPerConnection} watches on one connection`);
    if (this.subscriptions >= watches) throw new FerryError(ErrorCode.TooManyRequests, `server busy: ${watches} watches open; try again later`);
    const folder = await this.store.resolve(rel);
    if (!folder.stat.isDirectory()) throw new FerryError(ErrorCode.NotADirectory, `'${folder.rel || '/'}' is not a folder`);
    const key = `${recursive ? 'r' : 'f'}:${folder.rel}`;
    let entry = this.shared.get(key);
    if (!entry || entry.watcher.isClosed) {
      const watcher = new FolderWatcher(this.store, folder, recursive, {
        take: () => this.watchedFolders < this.limits.watchedFolders && ++this.watchedFolders > 0,
        give: (n) => (this.watchedFolders -= n),
        heard: () => this.heard(),
      });
      const created: Shared = { watcher, started: watcher.start() };
      entry = created;
      this.shared.set(key, created);
      created.started.catch(() => this.shared.get(key) === created && this.shared.delete(key));
    }
    const { watcher, started } = entry;
    const sub = new Subscription(folder.rel, watchPending, (s) => {
      if (!watcher.sinks.delete(s)) return;
      this.peakEnded = Math.max(this.peakEnded, s.pending.peak);
      this.subscriptions--;
      this.count(connection, -1);
      if (watcher.idle) {
        watcher.close();
        if (this.shared.get(key)?.watcher === watcher) this.shared.delete(key);
      }
    });
    // Counted (and hearing changes) from now, so a watcher being started is not closed under a second subscriber.
    watcher.sinks.add(sub);
    this.subscriptions++;
    this.count(connection, 1);
    try {
      await started;
    } catch (err) {
      sub.close();
      throw err;
    }
    return sub;
  }

  /** Stop every watcher (server shutdown): their subscriptions end with SHUTTING_DOWN. */
  close(): void {
    this.closed = true;
    const stopping = new FerryError(ErrorCode.ShuttingDown, 'server is shutting down');
    for (const { watcher } of this.shared.values()) watcher.close(stopping);
    this.shared.clear();
  }

  /** A raw event from any watcher; a burst that may have overflowed the kernel's queue means a rescan for all. */
  private heard(): void {
    if (!this.burst.note(performance.now())) return;
    for (const { watcher } of this.shared.values()) watcher.rescanAll('overflow');
  }

  private count(connection: string, delta: number): void {
    const n = (this.byConnection.get(connection) ?? 0) + delta;
    if (n > 0) this.byConnection.set(connection, n);
    else this.byConnection.delete(connection);
  }
}
