// Moves between the two sides, after the transfer queue has done the copying:
// each source file is deleted only once its own transfer has landed verified,
// and a moved folder's (now empty) folders go last, deepest first, each only
// if empty: a file that arrived on the server meanwhile keeps its folder.
// Not a hook: use-file-ops holds one and feeds it the queue's results.

import type { DownloadResult, FileOps, UploadResult } from '../../client/types.js';
import { joinPath, parentPath } from '../state/pane.js';
import { fileOpErrorText } from '../state/file-ops.js';

/** A remote folder being moved here: its files still to arrive, its folders to remove at the end. */
interface FolderGroup {
  root: string;
  waiting: Set<string>;
  /** Remote folders below and including root, deepest first. */
  folders: string[];
  /** The local folder `root` lands in (relative to the local side). */
  localFolder: string;
  failed: boolean;
}

type Pending = { way: 'down'; group?: FolderGroup } | { way: 'up'; local: string };

export interface MoveTrackerDeps {
  remote: FileOps;
  local: FileOps;
  /** The local original of a folder moved to the server (LocalOps.removeMoved). */
  removeMoved(path: string, sinceMs: number): Promise<{ removed: number; kept: number }>;
  refresh(side: 'local' | 'remote'): void;
  log(text: string, level?: 'info' | 'error'): void;
  fail(text: string): void;
}

export class MoveTracker {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly deps: () => MoveTrackerDeps) {}

  /** A remote file queued for download whose original goes once it lands. */
  expectDownload(remotePath: string): void {
    this.pending.set(remotePath, { way: 'down' });
  }

  /** A local file queued for upload as `remotePath`, whose original (`localPath`, relative) goes once it lands. */
  expectUpload(remotePath: string, localPath: string): void {
    this.pending.set(remotePath, { way: 'up', local: localPath });
  }

  /**
   * A remote folder queued for download into `localFolder` (relative): `files`
   * and `folders` are what a listing found in it just before.
   */
  expectFolder(root: string, files: readonly string[], folders: readonly string[], localFolder: string): void {
    const group: FolderGroup = {
      root,
      waiting: new Set(files),
      folders: [root, ...folders].sort((a, b) => b.split('/').length - a.split('/').length),
      localFolder,
      failed: false,
    };
    for (const f of files) this.pending.set(f, { way: 'down', group });
    if (files.length === 0) void this.finishFolder(group);
  }

  downloaded(r: DownloadResult): void {
    const move = this.pending.get(r.path);
    if (move?.way !== 'down') return;
    this.pending.delete(r.path);
    const { remote, log, refresh, fail } = this.deps();
    // Only bytes checked at their destination let the original go.
    if (!r.verified || r.skipped) {
      if (move.group) move.group.failed = true;
      return fail(`moved ${r.path}: the copy was not verified, so the original stays`);
    }
    void remote.remove(r.path).then(
      () => {
        log(`remote: deleted ${r.path} (moved here, verified)`);
        // A folder's files are many: its listing is read again once, at its end.
        if (!move.group) refresh('remote');
        if (move.group) {
          move.group.waiting.delete(r.path);
          if (move.group.waiting.size === 0) void this.finishFolder(move.group);
        }
      },
      (err: unknown) => {
        if (move.group) move.group.failed = true;
        fail(`moved ${r.path}, but the original stays: ${fileOpErrorText(err)}`);
      },
    );
  }

  uploaded(r: UploadResult): void {
    const move = this.pending.get(r.path);
    if (move?.way !== 'up') return;
    this.pending.delete(r.path);
    const { local, log, refresh, fail } = this.deps();
    if (!r.verified) return fail(`moved ${r.path}: the copy was not verified, so the original stays`);
    void local.remove(move.local).then(
      () => {
        log(`local: deleted ${move.local} (moved to the server, verified)`);
        refresh('local');
      },
      (err: unknown) => fail(`moved ${move.local}, but the original stays: ${fileOpErrorText(err)}`),
    );
  }

  /**
   * A local folder went up (`local`, relative, as `remote`): only when every
   * file of it landed verified does the original go, and then only what did
   * not change since the move began (`sinceMs`).
   */
  folderUploaded(local: string, remote: string, allLanded: boolean, files: number, sinceMs: number): void {
    const { removeMoved, log, refresh, fail } = this.deps();
    // Messages name the folder (the local pane's paths start at the top of the disk); the log has the path.
    const name = local.slice(local.lastIndexOf('/') + 1);
    if (!allLanded) {
      log(`move of ${local}/ stopped: not every file landed verified, the original stays`, 'error');
      return fail(`moved ${name}/: not every file landed verified, so the original stays`);
    }
    void removeMoved(local, sinceMs).then(
      ({ kept }) => {
        log(`local: moved ${local}/ to the server as ${remote}/ (${files} files verified)${kept > 0 ? `; ${kept} changed meanwhile, kept here` : ''}`);
        if (kept > 0) fail(`moved ${name}/, but ${kept} entries changed while it went up: kept here`);
        refresh('local');
        refresh('remote');
      },
      (err: unknown) => fail(`moved ${name}/, but the original stays: ${fileOpErrorText(err)}`),
    );
  }

  /** A transfer failed or was cancelled: its original stays, and so does a folder it was in. */
  failed(remotePath: string): void {
    const move = this.pending.get(remotePath);
    if (!move) return;
    this.pending.delete(remotePath);
    if (move.way === 'down' && move.group) move.group.failed = true;
    this.deps().log(`move of ${remotePath} stopped: its transfer failed, the original stays`, 'error');
  }

  /**
   * Every file of a moved folder is here, verified, and gone from the server:
   * make its folders here (empty ones too), then remove them there, each only
   * if empty, deepest first.
   */
  private async finishFolder(group: FolderGroup): Promise<void> {
    if (group.failed) return;
    const { remote, local, log, refresh, fail } = this.deps();
    const base = parentPath(group.root);
    for (const folder of [...group.folders].reverse()) {
      const rel = base === '' ? folder : folder.slice(base.length + 1);
      await local.mkdir(joinPath(group.localFolder, rel), { parents: true }).catch(() => undefined);
    }
    for (const folder of group.folders) {
      try {
        await remote.remove(folder);
      } catch (err) {
        fail(`moved ${group.root}/, but ${folder}/ stays on the server: ${fileOpErrorText(err)}`);
        break;
      }
    }
    log(`remote: moved ${group.root}/ here, verified`);
    refresh('remote');
    refresh('local');
  }
}
