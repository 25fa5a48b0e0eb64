// A local folder as upload jobs, mirroring folderJobs for a remote folder: the
// folder is walked lazily (walkLocal reads one folder at a time, and only as
// the queue asks for more), each file a job as it is met, each folder made on
// the server as the walk reaches it (so empty ones arrive too). What is held is
// the walk's current folder, never the tree. A JobGroup counts the jobs of one
// folder as they settle, so a move knows when every file has landed verified.

import { walkLocal } from '../../client/local-tree.js';
import type { FerryApi } from '../../client/types.js';
import type { Job } from './transfer-jobs.js';

/** What a group's owner hears of each job (a move deletes each original, a sync records each file). */
export interface GroupWatch {
  /** A job was made for `path` (before the queue runs it). */
  added?(path: string): void;
  /** The job for `path` ended: `landed` when it arrived verified. */
  settled?(path: string, landed: boolean): void;
}

/**
 * The jobs of one folder (or one batch), counted: `add` as the walk makes one,
 * `settle` as each ends, `end` once the walk is over. `onDone` runs once, with
 * true only when the walk was whole and every job landed verified; `abandon`
 * (cancel all) ends it false at once. Only counts are held, whatever the size.
 */
export class JobGroup {
  private outstanding = 0;
  private ended = false;
  private ok = true;
  private over = false;
  files = 0;

  constructor(
    private readonly onDone: (ok: boolean, files: number) => void,
    private readonly watch: GroupWatch = {},
  ) {}

  add(path?: string): void {
    this.outstanding++;
    this.files++;
    if (path !== undefined) this.watch.added?.(path);
  }

  settle(landed: boolean, path?: string): void {
    if (!landed) this.ok = false;
    this.outstanding--;
    if (path !== undefined) this.watch.settled?.(path, landed);
    this.check();
  }

  end(whole: boolean): void {
    if (!whole) this.ok = false;
    this.ended = true;
    this.check();
  }

  abandon(): void {
    this.ok = false;
    this.ended = true;
    this.outstanding = 0;
    this.check();
  }

  get done(): boolean {
    return this.over;
  }

  private check(): void {
    if (this.over || !this.ended || this.outstanding > 0) return;
    this.over = true;
    this.onDone(this.ok, this.files);
  }
}

/**
 * The files below local folder `abs` as upload jobs into `remote` (made with
 * its parents first). `onListed` counts files into the batch as they are met,
 * and once more with `done`; an entry that cannot be read, or a folder that
 * cannot be made, is a broken job (a failed row), and leaves the group unwhole.
 */
export async function* localFolderJobs(
  api: Pick<FerryApi, 'mkdir'>,
  folder: { abs: string; remote: string; overwrite?: boolean; group?: JobGroup },
  alive: () => boolean,
  onListed: (files: number, bytes: number, done: boolean) => void,
): AsyncGenerator<Job> {
  const { abs, remote, overwrite, group } = folder;
  const under = (rel: string) => (remote === '' ? rel : `${remote}/${rel}`);
  let whole = true;
  let complete = false;
  const broken = (path: string, error: unknown): Job => {
    whole = false;
    onListed(1, 0, false);
    return { kind: 'broken', path, transport: 'tcp', error };
  };
  try {
    try {
      await api.mkdir(remote, { parents: true });
    } catch (error) {
      yield broken(remote, error);
      return;
    }
    for await (const item of walkLocal(abs, { hidden: true })) {
      if (!alive()) return;
      if (item.error !== undefined) {
        yield broken(under(item.path), new Error(item.error));
        continue;
      }
      if (item.type === 'dir') {
        try {
          await api.mkdir(under(item.path), { parents: true });
        } catch (error) {
          yield broken(under(item.path), error);
        }
        continue;
      }
      onListed(1, item.size, false);
      group?.add();
      yield {
        kind: 'upload',
        localPath: item.abs,
        path: under(item.path),
        size: item.size,
        parents: true,
        ...(overwrite ? { overwrite: true } : {}),
        ...(group ? { group } : {}),
      };
    }
    complete = true;
  } finally {
    // Stopped early (cancel all, or the queue let go of it): not whole.
    group?.end(whole && complete);
    onListed(0, 0, true);
  }
}
