import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureSampleShare } from '../../src/cli/sample-share.js';

const made: string[] = [];
afterEach(async () => {
  for (const d of made.splice(0)) await fs.rm(d, { recursive: true, force: true });
});

async function walk(dir: string, rel = ''): Promise<{ path: string; dir: boolean; size: number; mtimeMs: number }[]> {
  const out = [];
  for (const d of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${d.name}` : d.name;
    const st = await fs.stat(path.join(dir, r));
    out.push({ path: r, dir: d.isDirectory(), size: st.size, mtimeMs: st.mtimeMs });
    if (d.isDirectory()) out.push(...(await walk(dir, r)));
  }
  return out;
}

describe('ensureSampleShare', () => {
  it('builds text, binary, nested and hidden files over several years, once', async () => {
    const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-sample-'));
    made.push(parent);
    const now = Date.now();
    const dir = await ensureSampleShare(parent, now);
    const entries = await walk(dir);
    const files = entries.filter((e) => !e.dir);
    const years = new Set(files.map((f) => new Date(f.mtimeMs).getFullYear()));
    expect(years.size).toBeGreaterThanOrEqual(5);
    expect(files.some((f) => now - f.mtimeMs < 7 * 86400e3)).toBe(true); // something recent
    expect(entries.some((e) => e.dir && e.path.includes('/'))).toBe(true); // nested folder
    expect(files.some((f) => f.path.startsWith('.'))).toBe(true);
    const exts = new Set(files.map((f) => path.extname(f.path)));
    for (const ext of ['.txt', '.md', '.png', '.bin', '.csv', '.json', '.gz']) expect(exts).toContain(ext);
    const png = await fs.readFile(path.join(dir, 'images/gradient.png'));
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    const log = await fs.readFile(path.join(dir, 'notes/harbour-log.txt'), 'utf8');
    expect(log).toContain('albatross');

    // A second call reuses the share untouched.
    await fs.writeFile(path.join(dir, 'mine.txt'), 'kept');
    expect(await ensureSampleShare(parent, now + 1e9)).toBe(dir);
    expect(await fs.readFile(path.join(dir, 'mine.txt'), 'utf8')).toBe('kept');
    // No half-built temporary folders are left behind.
    expect((await fs.readdir(parent)).filter((n) => n !== 'sample-share')).toEqual([]);
  });

  it('gives the same bytes on every machine', async () => {
    const a = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-sample-'));
    const b = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-sample-'));
    made.push(a, b);
    const da = await ensureSampleShare(a);
    const db = await ensureSampleShare(b);
    for (const f of ['images/noise.bin', 'archive/old-letters.txt.gz', 'images/gradient.png']) {
      expect(Buffer.compare(await fs.readFile(path.join(da, f)), await fs.readFile(path.join(db, f)))).toBe(0);
    }
  });
});
