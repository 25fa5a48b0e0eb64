// Shell completion: the scripts for bash and zsh, commands and flags from yargs,
// and paths inside the share from a real server, without ever running the
// command being completed.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wantsRemotePath } from '../../src/cli/completion.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { run } from './fake-io.js';

let t: TestServer;
let env: Record<string, string>;

beforeAll(async () => {
  t = await startTestServer({ 'notes/todo.md': 'x', 'notes/old.txt': 'y', 'report.pdf': 'z', 'readme.txt': 'r', '.hidden': 'h' });
  env = { FERRY_SERVER: `127.0.0.1:${t.server.port}` };
});
afterAll(() => t?.close());

/** What the completion script would offer for the typed words (the last one being completed). */
async function complete(...words: string[]): Promise<string[]> {
  const r = await run(['--get-yargs-completions', 'ferry', ...words], { env });
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter(Boolean);
}

describe('ferry completion', () => {
  it('prints the bash script, or the zsh one when $SHELL is zsh', async () => {
    const bash = await run(['completion'], { env: { SHELL: '/bin/bash' } });
    expect(bash.stdout).toContain('complete -o bashdefault -o default -F _ferry_yargs_completions ferry');
    expect(bash.stdout).toContain('--get-yargs-completions');
    const saved = process.env.SHELL;
    process.env.SHELL = '/usr/bin/zsh'; // yargs reads the shell from the process environment
    try {
      const zsh = await run(['completion']);
      expect(zsh.stdout).toContain('#compdef ferry');
    } finally {
      process.env.SHELL = saved;
    }
  });

  it("completes commands and each command's flags", async () => {
    expect(await complete('')).toEqual(expect.arrayContaining(['serve', 'index', 'download', 'completion']));
    expect(await complete('download', '--d')).toEqual(expect.arrayContaining(['--dest', '--udp', '--overwrite']));
    expect(await complete('index', 'longlist', '--')).toEqual(expect.arrayContaining(['--ext', '--keyword', '--path']));
  });

  it('completes paths inside the share from the server, folders ending in /', async () => {
    expect(await complete('download', '')).toEqual(['notes/', 'readme.txt', 'report.pdf']);
    expect(await complete('download', 're')).toEqual(['readme.txt', 'report.pdf']);
    expect(await complete('download', 'notes/')).toEqual(['notes/old.txt', 'notes/todo.md']);
    expect(await complete('hash', 'verify', 'notes/t')).toEqual(['notes/todo.md']);
    expect(await complete('index', 'longlist', '--path', 'no')).toEqual(['notes/']);
    expect(await complete('watch', '--recursive', 'no')).toEqual(['notes/']);
    expect(await complete('download', '.h')).toEqual(['.hidden']);
    // Flags and their values before the path do not confuse it.
    expect(await complete('--server', env.FERRY_SERVER!, 'download', '--dest', '/tmp', 'rea')).toEqual(['readme.txt']);
  });

  it('offers nothing (so the shell completes local files) where a local path is wanted, or when no server answers', async () => {
    expect(await complete('upload', '')).not.toContain('readme.txt');
    expect(await complete('download', '--dest', '')).toEqual([]);
    const none = await run(['--get-yargs-completions', 'ferry', 'download', ''], { env: { FERRY_SERVER: '127.0.0.1:1' } });
    expect(none).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('never runs the command it completes', async () => {
    const before = t.server.counters.requests;
    await complete('index', 'longlist', '--e');
    await complete('logs', '--');
    expect(t.server.counters.requests).toBe(before);
  });

  it('decides from the typed words which ones name remote paths', () => {
    expect(wantsRemotePath(['download'], '')).toBe(true);
    expect(wantsRemotePath(['download', 'a.txt'], '')).toBe(false);
    expect(wantsRemotePath(['download', '--udp'], 'x')).toBe(true);
    expect(wantsRemotePath(['download', '--dest'], 'x')).toBe(false);
    expect(wantsRemotePath(['upload', 'local.txt', '--as'], 'x')).toBe(true);
    expect(wantsRemotePath(['hash', 'checkall'], '')).toBe(false);
  });
});
