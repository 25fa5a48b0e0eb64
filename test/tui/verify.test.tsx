import { afterEach, describe, expect, it } from 'vitest';
import { remoteText, rowOf } from './frames.js';
import { renderApp, renderAppAnySize, type AppHarness } from './harness.js';

let app: AppHarness | undefined;
afterEach(() => app?.unmount());

const W = 120;
const ready = (f: string) => f.includes('notes.md') && f.includes('drafts/');

describe('verify', () => {
  it('v marks ✗ when the local copy differs, · when there is none', async () => {
    app = renderApp({ local: { 'notes.md': 'changed locally\n' } });
    await app.waitFor((x) => x.includes('notes.md') && x.includes('1 item'));
    await app.press('G', 'v');
    let f = await app.waitFor((x) => x.includes('local copy differs'));
    expect(rowOf(remoteText(f, W), 'notes.md')).toMatch(/md +✗/);
    await app.press('k', 'v');
    f = await app.waitFor((x) => x.includes('no local copy'));
    expect(rowOf(remoteText(f, W), 'like.txt')).toMatch(/txt +·/);
  });

  it('a failed verification is a message, not a crash', async () => {
    app = renderApp();
    await app.waitFor(ready);
    app.api.hashError = Object.assign(new Error('permission denied'), { code: 'FORBIDDEN' });
    await app.press('G', 'v');
    const f = await app.waitFor((x) => x.includes('verify notes.md: permission denied (FORBIDDEN)'));
    expect(rowOf(remoteText(f, W), 'notes.md')).toMatch(/md +!/);
  });
});

describe('check all', () => {
  it('shows progress while hashing, then the table with ✓ ✗ ·', async () => {
    app = renderApp({
      files: [
        { path: 'same.txt', content: 'same' },
        { path: 'diff.txt', content: 'remote' },
        { path: 'only-remote.txt', content: 'x' },
      ],
      local: { 'same.txt': 'same', 'diff.txt': 'local' },
    });
    await app.waitFor((x) => x.includes('only-remote.txt') && x.includes('diff.txt'));
    await app.press('V');
    const run = await app.api.hashAlls.next();
    run.start(3, 11);
    let f = await app.waitFor((x) => x.includes('hashing on the server') && x.includes('0/3 files'));
    const r = (path: string) => ({ path, md5: app!.api.md5Of(path), size: 1, mtimeMs: 0, mtime: '' });
    run.result(r('same.txt'));
    f = await app.waitFor((x) => x.includes('1/3 files'));
    run.result(r('diff.txt'));
    run.result(r('only-remote.txt'));
    run.finish();
    f = await app.waitFor((x) => x.includes('done') && x.includes('✓ 1  ✗ 1  · 1'));
    const line = (name: string) => f.split('\n').find((l) => l.includes(name) && l.includes(app!.api.md5Of(name)));
    expect(line('same.txt')).toMatch(/┃[▌ ]?\s*✓ same\.txt/);
    expect(line('diff.txt')).toMatch(/✗ diff\.txt/);
    expect(line('only-remote.txt')).toMatch(/· only-remote\.txt/);
    await app.press('escape');
    // The panes carry the verdicts afterwards.
    f = await app.waitFor((x) => rowOf(remoteText(x, W), 'diff.txt') !== undefined);
    expect(rowOf(remoteText(f, W), 'diff.txt')).toMatch(/txt +✗/);
    expect(rowOf(remoteText(f, W), 'same.txt')).toMatch(/txt +✓/);
  });

  it('a file the server could not read is a row marked ! with the reason, not left out', async () => {
    app = renderApp({ files: [{ path: 'ok.txt', content: 'ok' }], local: { 'ok.txt': 'ok' } });
    await app.waitFor((x) => x.includes('ok.txt'));
    await app.press('V');
    const run = await app.api.hashAlls.next();
    run.start(2, 3);
    run.result({ path: 'ok.txt', md5: app.api.md5Of('ok.txt'), size: 2, mtimeMs: 0, mtime: '' });
    run.result({ path: 'locked.bin', md5: '', size: 1, mtimeMs: 0, mtime: '', error: { reason: 'FORBIDDEN', message: 'cannot be read (EACCES)' } });
    run.finish();
    const f = await app.waitFor((x) => x.includes('done') && x.includes('✓ 1  ✗ 1  · 0'));
    expect(f.split('\n').find((l) => l.includes('locked.bin'))).toMatch(/! locked\.bin .*cannot be read \(EACCES\)/);
  });

  it('10,000 results of a large check reach the table in batches and all get a verdict', async () => {
    const N = 10_000;
    app = renderApp({ files: [{ path: 'ok.txt', content: 'ok' }] });
    await app.waitFor((x) => x.includes('ok.txt'));
    await app.press('V');
    const run = await app.api.hashAlls.next();
    run.start(N, N);
    for (let i = 0; i < N; i++) run.result({ path: `d/f${String(i).padStart(5, '0')}`, md5: 'a'.repeat(32), size: 1, mtimeMs: 0, mtime: '' });
    run.finish();
    await app.waitFor((x) => x.includes('done') && x.includes(`· ${N}`), 60_000);
  }, 90_000);

  it('closing the view while hashing aborts the run', async () => {
    app = renderAppAnySize();
    await app.waitFor(ready);
    await app.press('V');
    const run = await app.api.hashAlls.next();
    await app.press('escape');
    await app.waitFor((x) => x.includes('notes.md') && !x.includes('check all'));
    await app.waitFor(() => run.options.signal?.aborted === true);
  });
});
