import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, FerryError } from '../../src/protocol/errors.js';
import { isInternalName, ShareStore } from '../../src/server/store.js';
import { readWhole } from '../../src/server/read-whole.js';
import { createTempShare, type TempShare } from '../helpers/temp-share.js';

let share: TempShare;
let store: ShareStore;

beforeEach(async () => {
  share = await createTempShare({
    'a.txt': 'alpha',
    'sub/b.txt': 'bravo',
    'sub/deep/c.txt': 'charlie',
    '.ferry-upload-123': 'partial',
  });
  await fs.symlink(share.outside, share.abs('out-dir-link'));
  await fs.symlink(share.sentinel, share.abs('out-file-link'));
  await fs.symlink(path.join('sub', 'b.txt'), share.abs('in-link'));
  await fs.symlink('sub', share.abs('in-dir-link'));
  execFileSync('mkfifo', [share.abs('pipe')]);
  store = await ShareStore.open(share.root);
});

afterEach(async () => {
  vi.restoreAllMocks();
  await share.remove();
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FerryError) return err.code;
    throw err;
  }
  return 'resolved';
}

describe('ShareStore.open', () => {
  it('takes the real path of the root and requires a folder', async () => {
    await fs.symlink(share.root, path.join(share.base, 'root-link'));
    const viaLink = await ShareStore.open(path.join(share.base, 'root-link'));
    expect(viaLink.root).toBe(await fs.realpath(share.root));
    expect(await codeOf(ShareStore.open(share.abs('a.txt')))).toBe(ErrorCode.NotADirectory);
    expect(await codeOf(ShareStore.open(share.abs('missing')))).toBe(ErrorCode.NotFound);
  });
});

describe('ShareStore.resolve', () => {
  it.each(['', '.', '/', '//', './'])('%j is the root', async (rel) => {
    const r = await store.resolve(rel);
    expect(r.abs).toBe(store.root);
    expect(r.rel).toBe('');
    expect(r.stat.isDirectory()).toBe(true);
  });

  it('normalises dots inside the share', async () => {
    const r = await store.resolve('sub/./deep/../b.txt');
    expect(r.rel).toBe('sub/b.txt');
    expect(r.abs).toBe(path.join(store.root, 'sub', 'b.txt'));
    expect(r.stat.size).toBe(5);
  });

  it('follows a symlink whose target stays inside', async () => {
    const file = await store.resolve('in-link');
    expect(file.rel).toBe('in-link');
    expect(file.abs).toBe(path.join(store.root, 'sub', 'b.txt'));
    const viaDir = await store.resolve('in-dir-link/deep/c.txt');
    expect(viaDir.abs).toBe(path.join(store.root, 'sub', 'deep', 'c.txt'));
  });

  it('reports missing paths and hides ferry internal files', async () => {
    expect(await codeOf(store.resolve('nope.txt'))).toBe(ErrorCode.NotFound);
    expect(await codeOf(store.resolve('a.txt/inside'))).toBe(ErrorCode.NotFound);
    expect(await codeOf(store.resolve('.ferry-upload-123'))).toBe(ErrorCode.NotFound);
  });
});

describe('confinement attacks', () => {
  const long = 'n'.repeat(300);
  const table: [string, string, ErrorCode][] = [
    ['parent escape', '../outside/sentinel.txt', ErrorCode.OutsideShare],
    ['escape after descent', 'a/../../outside/sentinel.txt', ErrorCode.OutsideShare],
    ['plain ..', '..', ErrorCode.OutsideShare],
    ['absolute /etc/passwd', '/etc/passwd', ErrorCode.OutsideShare],
    ['absolute sentinel', '<sentinel>', ErrorCode.OutsideShare],
    ['drive letter', 'C:\\x', ErrorCode.OutsideShare],
    ['drive letter, slash', 'c:/outside/sentinel.txt', ErrorCode.OutsideShare],
    ['backslash', 'back\\slash', ErrorCode.OutsideShare],
    ['backslash escape', '..\\outside\\sentinel.txt', ErrorCode.OutsideShare],
    ['NUL byte', 'a.txt\0../../outside/sentinel.txt', ErrorCode.BadRequest],
    ['newline', 'a\n.txt', ErrorCode.BadRequest],
    ['escape char', 'sub/\u001b[2Jb.txt', ErrorCode.BadRequest],
    ['DEL char', 'a\u007f.txt', ErrorCode.BadRequest],
    ['300-byte name', `sub/${long}`, ErrorCode.BadRequest],
    ['over-long path', 'a/'.repeat(2100), ErrorCode.BadRequest],
    ['symlinked folder out of the share', 'out-dir-link/sentinel.txt', ErrorCode.OutsideShare],
    ['symlinked file out of the share', 'out-file-link', ErrorCode.OutsideShare],
    ['FIFO', 'pipe', ErrorCode.NotAFile],
  ];

  it.each(table)('%s is refused by resolve, openRead, readWhole and prepareWrite', async (_name, raw, code) => {
    const rel = raw === '<sentinel>' ? share.sentinel : raw;
    expect(await codeOf(store.resolve(rel))).toBe(code);
    expect(await codeOf(store.openRead(rel))).toBe(code);
    expect(await codeOf(readWhole(store, rel, 1 << 20, async () => {}))).toBe(code);
    // A write may fail on the parent for the link cases; it must never succeed.
    const writeCode = await codeOf(prepare(rel, true));
    expect(writeCode).not.toBe('resolved');
    if (code !== ErrorCode.NotAFile && !raw.startsWith('out-')) expect(writeCode).toBe(code);
    await share.assertSentinelIntact();
  });

  it('never returns a path outside the root, whatever the input', async () => {
    const piece = fc.constantFrom('..', '.', '', 'a.txt', 'sub', 'deep', 'in-dir-link', 'out-dir-link', 'sentinel.txt', '\\', 'C:', '\0', 'x');
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 8 }), fc.boolean(), async (parts, lead) => {
        const rel = (lead ? '/' : '') + parts.join('/');
        try {
          const r = await store.resolve(rel);
          expect(r.abs === store.root || r.abs.startsWith(store.root + path.sep)).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(FerryError);
        }
      }),
      { numRuns: 300 },
    );
    await share.assertSentinelIntact();
  });
});

describe('ShareStore.readWhole', () => {
  it('reads a file whole, through a symlink that stays inside, naming it as the client did', async () => {
    const sizes: number[] = [];
    const r = await readWhole(store, 'in-link', 1 << 20, async (size) => void sizes.push(size));
    expect(r).toMatchObject({ rel: 'in-link', abs: path.join(store.root, 'sub', 'b.txt') });
    expect(r.bytes.toString()).toBe('bravo');
    expect(sizes).toEqual([5]);
    expect((await readWhole(store, 'in-dir-link/deep/c.txt', 1 << 20, async () => {})).bytes.toString()).toBe('charlie');
  });

  it('refuses folders, hidden names and files over the limit before taking room for them', async () => {
    const taken: number[] = [];
    const room = async (size: number) => void taken.push(size);
    expect(await codeOf(readWhole(store, 'sub', 1 << 20, room))).toBe(ErrorCode.NotAFile);
    expect(await codeOf(readWhole(store, '', 1 << 20, room))).toBe(ErrorCode.NotAFile);
    expect(await codeOf(readWhole(store, '.ferry-upload-123', 1 << 20, room))).toBe(ErrorCode.NotFound);
    expect(await codeOf(readWhole(store, 'a.txt', 4, room))).toBe(ErrorCode.TooLarge);
    expect(taken).toEqual([]);
  });

  it('refuses a file written while it waited for room', async () => {
    const code = await codeOf(readWhole(store, 'a.txt', 1 << 20, async () => fs.writeFile(share.abs('a.txt'), 'alpha, longer now')));
    expect(code).toBe(ErrorCode.Changed);
  });
});

describe('ShareStore.openRead', () => {
  it('opens a regular file and reports its fstat', async () => {
    const { handle, rel, stat } = await store.openRead('/sub/b.txt'.slice(1));
    try {
      expect(rel).toBe('sub/b.txt');
      expect(stat.size).toBe(5);
      expect((await handle.readFile()).toString()).toBe('bravo');
    } finally {
      await handle.close();
    }
  });

  it('refuses folders', async () => {
    expect(await codeOf(store.openRead('sub'))).toBe(ErrorCode.NotAFile);
    expect(await codeOf(store.openRead(''))).toBe(ErrorCode.NotAFile);
  });

  it('refuses a file swapped between the check and the open', async () => {
    await fs.writeFile(share.abs('other.txt'), 'impostor');
    const realOpen = fs.open;
    let swapped = false;
    // Swap just before the open that reads (resolve() first probes the entry with O_PATH on Linux).
    const spy = vi.spyOn(fs, 'open').mockImplementation(async (...args: Parameters<typeof fs.open>) => {
      if (!swapped && typeof args[1] === 'number' && (args[1] & 0o10000000) === 0) {
        swapped = true;
        await fs.rename(share.abs('other.txt'), share.abs('a.txt'));
      }
      return realOpen(...args);
    });
    expect(await codeOf(store.openRead('a.txt'))).toBe(ErrorCode.Changed);
    expect(swapped).toBe(true);
    spy.mockRestore();
  });
});

/** prepareWrite inside withParent, with the real paths the held names stand for. */
function prepare(rel: string, overwrite: boolean) {
  return store.withParent(rel, async (parent) => {
    const w = await store.prepareWrite(parent, overwrite);
    return { ...w, rel: parent.rel, real: parent.real(parent.name), tempReal: parent.real(path.basename(w.temp)) };
  });
}

describe('ShareStore.prepareWrite', () => {
  it('gives a hidden temp path in the target folder', async () => {
    const w = await prepare('sub/new.bin', false);
    expect(w.rel).toBe('sub/new.bin');
    expect(w.real).toBe(path.join(store.root, 'sub', 'new.bin'));
    expect(path.dirname(w.tempReal)).toBe(path.join(store.root, 'sub'));
    expect(isInternalName(path.basename(w.tempReal))).toBe(true);
    await expect(fs.access(w.tempReal)).rejects.toThrow();
  });

  it('refuses to replace unless asked, and never replaces a folder or a link', async () => {
    expect(await codeOf(prepare('a.txt', false))).toBe(ErrorCode.Exists);
    expect((await prepare('a.txt', true)).real).toBe(path.join(store.root, 'a.txt'));
    expect(await codeOf(prepare('sub', true))).toBe(ErrorCode.NotAFile);
    expect(await codeOf(prepare('in-link', true))).toBe(ErrorCode.NotAFile);
  });

  it('requires the parent folder to exist inside the share', async () => {
    expect(await codeOf(prepare('missing/x.txt', false))).toBe(ErrorCode.NotFound);
    expect(await codeOf(prepare('a.txt/x.txt', false))).toBe(ErrorCode.NotADirectory);
    expect(await codeOf(prepare('', true))).toBe(ErrorCode.NotAFile);
    expect(await codeOf(prepare('sub/.ferry-upload-x', false))).toBe(ErrorCode.BadRequest);
    expect(await codeOf(prepare('out-dir-link/new.txt', false))).toBe(ErrorCode.OutsideShare);
    await share.assertSentinelIntact();
  });
});

describe('ShareStore.children and relative', () => {
  it('lists only what a client may see', async () => {
    await fs.writeFile(share.abs('bad\\name'), 'x');
    const names = (await store.children({ abs: store.root, rel: '' })).map((c) => c.name).sort();
    expect(names).toEqual(['a.txt', 'in-dir-link', 'in-link', 'out-dir-link', 'out-file-link', 'sub']);
    const children = await store.children({ abs: store.root, rel: '' });
    const link = children.find((c) => c.name === 'in-link')!;
    expect(link).toMatchObject({ link: true, rel: 'in-link', abs: path.join(store.root, 'sub', 'b.txt') });
    expect(link.broken).toBeUndefined();
    // Links out of the share are listed as themselves, never followed, and say nothing of where they point.
    for (const name of ['out-dir-link', 'out-file-link']) {
      const out = children.find((c) => c.name === name)!;
      expect(out).toMatchObject({ broken: 'outside', abs: path.join(store.root, name) });
      expect(out.stat.isSymbolicLink()).toBe(true);
      expect(out).not.toHaveProperty('target');
    }
  });

  it('maps absolute paths back to share paths', () => {
    expect(store.relative(store.root)).toBe('');
    expect(store.relative(path.join(store.root, 'sub', 'deep', 'c.txt'))).toBe('sub/deep/c.txt');
    expect(() => store.relative(share.sentinel)).toThrow(FerryError);
    expect(() => store.relative(store.root + '-sibling/x')).toThrow(FerryError);
  });

  it('recognises internal names', () => {
    expect(isInternalName('.ferry-upload-1')).toBe(true);
    expect(isInternalName('movie.mkv.ferry-part')).toBe(true);
    expect(isInternalName('.ferry')).toBe(false);
    expect(isInternalName('ferry-notes.txt')).toBe(false);
  });
});
