// Moves between the two sides, after the transfer queue has done the copying:
// each source file is deleted only once its own transfer has landed verified,
// and a moved folder's (now empty) folders go last, deepest first, each only
// if empty: a file that arrived on the server meanwhile keeps its folder.
// Not a hook: use-file-ops holds one and feeds it the queue's results.
//
// A remote folder moved here is never listed whole: the queue walks it as it
// drains (folderJobs), a JobGroup counts its files, and each file's original
// goes as that file lands. Held per folder moved: counts only.

import type { DownloadResult, FerryApi, FileOps, UploadResult } from '../../client/types.js';
import { joinPath, parentPath } from '../state/pane.js';
import { fileOpErrorText } from '../state/file-ops.js';
import { JobGroup } from './upload-folder-jobs.js';

/** A remote folder being moved here: counts of what is under way, and how it went. */
interface FolderGroup {
  root: string;
  /** The local folder `root` lands in (relative to the local side). */
  localFolder: string;
  failed: boolean;
  /** Originals being deleted now, each once its file landed verified. */
  removing: number;
  /** Every file of it has settled, and the walk was whole unless `failed`. */
  settled: boolean;
  files: number;
}

type Pending = { way: 'down' } | { way: 'up'; local: string };

export interface MoveTrackerDeps {
  remote: FileOps & Pick<FerryApi, 'listStream'>;
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
   * A remote folder to be moved into `localFolder` (relative): the group to
   * give the transfer queue's downloadFolder. Each file's original is deleted
   * as that file lands verified; once all have, and the walk was whole, the
   * folders follow (finishFolder).
   */
  folderGroup(root: string, localFolder: string): JobGroup {
    const group: FolderGroup = { root, localFolder, failed: false, removing: 0, settled: false, files: 0 };
    return new JobGroup(
      (whole, files) => {
        if (!whole) group.failed = true;
        group.settled = true;
        group.files = files;
        this.maybeFinish(group);
      },
      { settled: (path, landed) => this.folderFileSettled(group, path, landed) },
    );
  }

  private folderFileSettled(group: FolderGroup, path: string, landed: boolean): void {
    // Only bytes checked at their destination let the original go.
    if (!landed) {
      group.failed = true;
      this.deps().log(`move of ${path} stopped: it did not land verified, the original stays`, 'error');
      return;
    }
    const { remote, log, fail } = this.deps();
    group.removing++;
    void remote
      .remove(path)
      .then(
        () => log(`remote: deleted ${path} (moved here, verified)`),
        (err: unknown) => {
          group.failed = true;
          fail(`moved ${path}, but the original stays: ${fileOpErrorText(err)}`);
        },
      )
      .finally(() => {
        group.removing--;
        this.maybeFinish(group);
      });
  }

  private maybeFinish(group: FolderGroup): void {
    if (!group.settled || group.removing > 0) return;
    group.settled = false; // once
    if (group.failed) {
      this.deps().log(`move of ${group.root}/ stopped: not every file landed verified, the folder stays on the server`, 'error');
      return;
    }
    void this.finishFolder(group);
  }

  downloaded(r: DownloadResult): void {
    const move = this.pending.get(r.path);
    if (move?.way !== 'down') return;
    this.pending.delete(r.path);
    const { remote, log, refresh, fail } = this.deps();
    // Only bytes checked at their destination let the original go.
    if (!r.verified || r.skipped) return fail(`moved ${r.path}: the copy was not verified, so the original stays`);
    void remote.remove(r.path).then(
      () => {
        log(`remote: deleted ${r.path} (moved here, verified)`);
        refresh('remote');
      },
      (err: unknown) => fail(`moved ${r.path}, but the original stays: ${fileOpErrorText(err)}`),
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
    this.deps().log(`move of ${remotePath} stopped: its transfer failed, the original stays`, 'error');
  }

  /**
   * Every file of a moved folder is here, verified, and gone from the server:
   * make its folders here (empty ones too), then remove them there, each only
   * if empty, deepest first. Walked again folder by folder (clearFolder), so
   * what is held is one folder's sub-folder names a level, never the tree.
   */
  private async finishFolder(group: FolderGroup): Promise<void> {
    const { log, refresh } = this.deps();
    const done = await this.clearFolder(group, group.root, parentPath(group.root));
    if (done) log(`remote: moved ${group.root}/ here, verified (${group.files} files)`);
    refresh('remote');
    refresh('local');
  }

  /** `folder` made here, its sub-folders cleared, then it removed there (only if empty); false once something stays. */
  private async clearFolder(group: FolderGroup, folder: string, base: string): Promise<boolean> {
    const { remote, local, fail } = this.deps();
    const rel = base === '' ? folder : folder.slice(base.length + 1);
    await local.mkdir(joinPath(group.localFolder, rel), { parents: true }).catch(() => undefined);
    const subs: string[] = [];
    try {
      await remote.listStream(
        { path: folder, recursive: false, hidden: true },
        { onBatch: (batch) => void subs.push(...batch.filter((e) => e.type === 'dir').map((e) => e.path)) },
      );
      for (const sub of subs) if (!(await this.clearFolder(group, sub, base))) return false;
      await remote.remove(folder);
      return true;
    } catch (err) {
      fail(`moved ${group.root}/, but ${folder}/ stays on the server: ${fileOpErrorText(err)}`);
      return false;
    }
  }
}
