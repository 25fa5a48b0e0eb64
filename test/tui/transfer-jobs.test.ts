import { describe, expect, it } from 'vitest';
import { folderFileDest, folderJobs, jobsOf, type Job } from '../../src/tui/hooks/transfer-jobs.js';
import { FakeFerry, makeEntry } from '../helpers/fake-client.js';

async function all(jobs: AsyncIterable<Job>): Promise<Job[]> {
  const out: Job[] = [];
  for await (const j of jobs) out.push(j);
  return out;
}

describe('transfer jobs', () => {
  it("place a folder's files below a folder of its name, wherever it sits on the server", () => {
    expect(folderFileDest('/dest', 'top', 'top/a')).toBe('/dest/top');
    expect(folderFileDest('/dest', 'top', 'top/in/b')).toBe('/dest/top/in');
    expect(folderFileDest('/dest', 'deep/er/top', 'deep/er/top/in/b')).toBe('/dest/top/in');
    expect(() => folderFileDest('/dest', 'top', 'top/../../etc/passwd')).toThrow(/refusing the server-supplied name/);
  });

  it('a listing naming a path outside the folder gives a broken job for it, and the rest go on', async () => {
    const api = new FakeFerry();
    api.listings.set('top', [
      makeEntry('top/ok', 'file', 5),
      makeEntry('top/../../evil', 'file', 1),
      makeEntry('elsewhere', 'file', 1),
      makeEntry('top/sub', 'dir'),
    ]);
    const counted = [0, 0];
    let ended = 0;
    const jobs = await all(
      folderJobs(
        api,
        { path: 'top', transport: 'udp', dest: '/dest' },
        () => true,
        (n, b, done) => {
          counted[0]! += n;
          counted[1]! += b;
          if (done) ended++;
        },
      ),
    );
    expect(counted).toEqual([2, 6]); // files under the folder only
    expect(ended).toBe(1);
    // Its subfolder walked after its own files, each listing on its own.
    expect(api.streamCalls).toEqual([{ path: 'top' }, { path: 'top/sub' }]);
    expect(jobs).toHaveLength(2);
    expect(jobs[0]).toMatchObject({ kind: 'download', path: 'top/ok', dest: '/dest/top', transport: 'udp', size: 5 });
    expect(jobs[1]).toMatchObject({ kind: 'broken', path: 'top/../../evil' });
  });

  it('stop being read once cancelled', async () => {
    let alive = true;
    const seen: Job[] = [];
    for await (const j of jobsOf(
      [1, 2, 3],
      (n) => ({ kind: 'upload', localPath: `/l/${n}`, path: `${n}` }),
      () => alive,
    )) {
      seen.push(j);
      alive = false;
    }
    expect(seen).toHaveLength(1);
  });
});
