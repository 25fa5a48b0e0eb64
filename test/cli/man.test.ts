// The manual page is made from the CLI's own --help: every command and flag that
// --help shows is in it, it is valid roff (man renders it), and nothing in it
// needs updating by hand when a command or flag is added.

import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { listedCommands, roffLines } from '../../src/cli/man-page.js';
import { run } from './fake-io.js';

describe('ferry man', () => {
  it('has a section for every command --help lists, nested ones included, with their flags', async () => {
    const { code, stdout } = await run(['man']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\.TH FERRY 1 "" "ferry \d+\.\d+\.\d+"/);
    const sections = [...stdout.matchAll(/^\.SS ferry (.+)$/gm)].map((m) => m[1]);
    for (const cmd of [
      'serve',
      'index longlist',
      'index shortlist',
      'hash verify',
      'hash checkall',
      'download',
      'upload',
      'logs',
      'cache rm',
      'shell',
      'tui',
      'completion',
    ]) {
      expect(sections).toContain(cmd);
    }
    // A flag as --help prints it, hyphens escaped for roff.
    const download = stdout.slice(stdout.indexOf('.SS ferry download'), stdout.indexOf('.SS ferry upload'));
    expect(download).toContain('\\-\\-dest');
    expect(download).toContain('\\-\\-chunk\\-size');
    // The hidden generator itself is not documented as a command.
    expect(sections).not.toContain('man');
  });

  it('escapes what roff would read as requests or escapes', () => {
    expect(roffLines(".hidden\n'quoted\nback\\slash -x")).toBe("\\&.hidden\n\\&'quoted\nback\\eslash \\-x");
  });

  it('reads the command column, not the description, from a Commands: list', () => {
    const help = 'Commands:\n  ferry cache list       files in the cache\n  ferry cache rm <file>  remove one\n\nOptions:\n  -h\n';
    expect(listedCommands(help)).toEqual([
      ['cache', 'list'],
      ['cache', 'rm'],
    ]);
  });

  it('renders with man, where man is installed', async () => {
    const { stdout } = await run(['man']);
    const man = await execa('man', ['--version']).then(
      () => true,
      () => false,
    );
    if (!man) return; // the roff checks above still ran
    const { stdout: text } = await execa('man', ['-l', '-'], { input: stdout, env: { MANWIDTH: '100', MAN_KEEP_FORMATTING: '' } });
    expect(text).toContain('FERRY(1)');
    expect(text).toMatch(/ferry download <file>/);
  });
});
