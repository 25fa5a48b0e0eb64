// The package as a user gets it: `npm pack`, installed into an empty prefix with
// no registry at all (the bundle carries everything it runs), then used for real:
// --version, a server, and a verified download from it.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, type BuiltCli } from '../helpers/built-cli.js';
import { createTempShare, type TempShare } from '../helpers/temp-share.js';

const repo = path.resolve(import.meta.dirname, '../..');

let built: BuiltCli;
let work: string;
let share: TempShare;
let tarball: string;
let packed: { path: string; size: number }[];
let installed: string;

/** Total bytes of the files below dir. */
async function du(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await fs.stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

beforeAll(async () => {
  built = await buildCli('pack');
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-pack-'));
  share = await createTempShare({ 'notes.txt': 'packed and shipped\n' });
  // The package's other files, as `npm pack` in the repository would take them.
  for (const file of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']) await fs.copyFile(path.join(repo, file), path.join(built.home, file));
  await fs.cp(path.join(repo, 'docs'), path.join(built.home, 'docs'), { recursive: true });
  // The manual page, as `npm run build` writes it.
  await fs.mkdir(path.join(built.home, 'man'));
  await fs.writeFile(
    path.join(built.home, 'man', 'ferry.1'),
    (await execa(process.execPath, [built.bin, 'man'], { env: built.env, extendEnv: false, stripFinalNewline: false })).stdout,
  );
  const npm = { cwd: built.home, env: { ...process.env, npm_config_update_notifier: 'false' } };
  const { stdout } = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], npm);
  const [info] = JSON.parse(stdout) as { filename: string; files: { path: string; size: number }[] }[];
  tarball = path.join(work, info!.filename);
  packed = info!.files;
  // --offline: nothing may be fetched, so a runtime dependency left undeclared-but-needed
  // or declared-but-unneeded shows up here rather than on a user's machine.
  await execa('npm', ['install', '--global', '--prefix', path.join(work, 'prefix'), '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], npm);
  installed = path.join(work, 'prefix', 'lib', 'node_modules', 'ferry');
}, 180_000);

afterAll(async () => {
  await share?.remove();
  if (work) await fs.rm(work, { recursive: true, force: true });
  await built?.remove();
});

describe('the packed package', () => {
  it('ships the bundle, its launcher, docs and licence, and nothing else', () => {
    const paths = packed.map((f) => f.path).sort();
    expect(paths.filter((p) => p.endsWith('.map'))).toEqual([]);
    expect(paths.filter((p) => p.startsWith('dist/') && !p.startsWith('dist/bundle/'))).toEqual([]);
    expect(paths).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'CHANGELOG.md',
        'package.json',
        'bin/ferry.js',
        'dist/bundle/main.js',
        'docs/security.md',
        'man/ferry.1',
      ]),
    );
  });

  it('installs one dependency, the native BLAKE3 binding, and stays small', async () => {
    // Everything else is in the bundle; a prebuilt .node file cannot be.
    expect(await fs.readdir(path.join(installed, 'node_modules'))).toEqual(['@napi-rs']);
    const napi = (await fs.readdir(path.join(installed, 'node_modules', '@napi-rs'))).sort();
    expect(napi[0]).toBe('blake-hash');
    expect(napi.slice(1)).toEqual([expect.stringMatching(/^blake-hash-/)]); // this platform's prebuilt binding
    // npm links the manual page into the prefix's man folder.
    await expect(fs.access(path.join(work, 'prefix', 'share', 'man', 'man1', 'ferry.1'))).resolves.toBeUndefined();
    // The bundle is ~2 MB and the binding ~1 MB; before the bundle the install pulled ~33 MB.
    expect(await du(installed)).toBeLessThan(6 * 1024 * 1024);
  });

  it('runs from the install: --version, serve, and a verified download', async () => {
    const ferry = path.join(work, 'prefix', 'bin', 'ferry');
    const pkg = JSON.parse(await fs.readFile(path.join(repo, 'package.json'), 'utf8')) as { version: string };
    expect((await execa(ferry, ['--version'], { env: built.env, extendEnv: false })).stdout).toBe(pkg.version);

    const server = execa(ferry, ['serve', share.root, '--port', '0', '--log', path.join(work, 'commands.log')], {
      env: built.env,
      extendEnv: false,
      reject: false,
    });
    try {
      const port = await new Promise<string>((resolve, reject) => {
        let out = '';
        server.stdout!.on('data', (d: Buffer) => {
          out += d;
          const m = /serving .* on tcp:\/\/127\.0\.0\.1:(\d+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        server.on('close', (code) => reject(new Error(`ferry serve exited (${code}) before it was ready: ${out}`)));
      });
      const dest = path.join(work, 'dest');
      await fs.mkdir(dest);
      const { stdout } = await execa(ferry, ['download', 'notes.txt', '--server', `127.0.0.1:${port}`, '--dest', dest, '--json', '--no-cache'], {
        env: built.env,
        extendEnv: false,
      });
      expect(JSON.parse(stdout)).toMatchObject({ path: 'notes.txt', verified: true, bytes: 19 });
      expect(await fs.readFile(path.join(dest, 'notes.txt'), 'utf8')).toBe('packed and shipped\n');
    } finally {
      server.kill();
      await server;
    }
  });
});
