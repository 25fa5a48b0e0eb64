// `ferry watch` (in-process) against a real server: a line per change until
// Ctrl-C, for people and as JSON lines.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { fakeIo } from './fake-io.js';
import { cli, env, share, useShareServer } from './fixture.js';

useShareServer();

/** Start `ferry watch ARGV`, wait until it says it is watching, and hand back its io. */
async function watching(argv: string[]) {
  let said: () => void = () => {};
  const ready = new Promise<void>((resolve) => (said = resolve));
  const io = fakeIo({ env, onStderr: (text) => text.includes('watching') && said() });
  const done = main(['watch', ...argv], io);
  return { io, done, ready };
}

describe('ferry watch', () => {
  it('prints a line per change until Ctrl-C, then exits 0', async () => {
    const w = await watching(['docs']);
    await w.ready;
    await fs.writeFile(path.join(share.root, 'docs', 'new.txt'), 'new\n');
    await w.io.waitForStdout(/new\.txt/, 2000);
    await fs.rm(path.join(share.root, 'docs', 'new.txt'));
    await w.io.waitForStdout(/removed\s+docs\/new\.txt/, 2000);
    w.io.interrupt('SIGINT');
    expect(await w.done).toBe(0);
    expect(w.io.stderrText()).toMatch(/^ferry: watching 'docs' on 127\.0\.0\.1:\d+; Ctrl-C to stop\n$/);
    const lines = w.io.stdoutText().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d {2}added {4}docs\/new\.txt$/);
    expect(lines.at(-1)).toMatch(/^\d\d:\d\d:\d\d {2}removed {2}docs\/new\.txt$/);
  });

  it('--json --recursive: one object per change, from the folders below too', async () => {
    const io = fakeIo({ env });
    const done = main(['watch', '--json', '--recursive'], io);
    // Nothing is printed before the first change: write until one shows up.
    const seen = io.waitForStdout(/deep\/mark/, 10_000);
    let stop = false;
    void seen.finally(() => (stop = true)).catch(() => {});
    for (let i = 0; !stop; i++) {
      await fs.writeFile(path.join(share.root, 'docs', 'deep', 'mark'), String(i));
      await Promise.race([seen.catch(() => {}), new Promise((r) => setTimeout(r, 50))]);
    }
    await seen;
    io.interrupt('SIGINT');
    expect(await done).toBe(0);
    expect(io.stderrText()).toBe('');
    const first = JSON.parse(io.stdoutText().split('\n')[0] as string) as Record<string, unknown>;
    expect(first).toMatchObject({ path: 'docs/deep/mark' });
    expect(['added', 'changed']).toContain(first.kind);
    expect(typeof first.time).toBe('string');
  });

  it('a missing folder fails with one line and exit code 1', async () => {
    const r = await cli(['watch', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ferry: .*'nope' does not exist/);
  });
});
