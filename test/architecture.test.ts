// The layering rules, checked on every run rather than
// only written down: who may import whom, where sockets live, and that the
// protocol code stays pure. Imports are read from the sources as text (static
// `from '…'` and dynamic `import('…')`), which is all these rules need.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const src = path.resolve(import.meta.dirname, '../src');

interface SourceFile {
  /** Path under src/, '/'-separated, e.g. 'server/handlers/list.ts'. */
  file: string;
  text: string;
  /** What it imports: 'node:fs', 'ink', or a path under src/ such as 'protocol/frame.js'. */
  imports: string[];
  /** Of those, what it imports for types alone (`import type`): nothing runs from them. */
  typeOnly: Set<string>;
}

function sources(): SourceFile[] {
  const out: SourceFile[] = [];
  for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.tsx?$/.test(entry.name)) continue;
    const abs = path.join(entry.parentPath, entry.name);
    const file = path.relative(src, abs).split(path.sep).join('/');
    const text = readFileSync(abs, 'utf8');
    const imports: string[] = [];
    const typeOnly = new Set<string>();
    const resolve = (spec: string) => (spec.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)) : spec);
    for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)'([^']+)'/gm)) imports.push(resolve(m[1]!));
    for (const m of text.matchAll(/^import\s+type\s[^;]*?from\s+'([^']+)'/gm)) typeOnly.add(resolve(m[1]!));
    out.push({ file, text, imports, typeOnly });
  }
  return out;
}

const all = sources();
const layer = (file: string) => file.split('/')[0]!;
const inLayer = (name: string) => all.filter((f) => layer(f.file) === name);

/** `file imports spec` lines breaking a rule, for a readable failure. */
function offending(files: SourceFile[], bad: (spec: string) => boolean): string[] {
  return files.flatMap((f) => f.imports.filter(bad).map((spec) => `${f.file} imports ${spec}`));
}

describe('layering', () => {
  it('finds the sources it checks', () => {
    expect(inLayer('protocol').length).toBeGreaterThan(5);
    expect(inLayer('tui').length).toBeGreaterThan(10);
  });

  it('protocol/ is pure: no I/O modules, no timers, nothing from other layers', () => {
    const files = inLayer('protocol');
    expect(offending(files, (s) => s.startsWith('node:') && s !== 'node:crypto' && s !== 'node:zlib' && s !== 'node:buffer' && s !== 'node:module')).toEqual(
      [],
    );
    // node:module only to load the BLAKE3 binding on first use (start-up stays free of the addon).
    const requirers = files.filter((f) => f.imports.includes('node:module')).map((f) => f.file);
    expect(requirers).toEqual(['protocol/blake3.ts']);
    // BLAKE3 is computation, like node:crypto: the one package protocol/ may use.
    expect(offending(files, (s) => !s.startsWith('node:') && s !== '@napi-rs/blake-hash' && layer(s) !== 'protocol')).toEqual([]);
    // Time comes in as an argument: a pure engine never reads a clock or arms a timer.
    const clocks = files.filter((f) => /\b(setTimeout|setInterval|setImmediate|Date\.now|performance\.now)\b/.test(f.text)).map((f) => f.file);
    expect(clocks).toEqual([]);
  });

  it('transport/ builds on protocol/ alone', () => {
    expect(offending(inLayer('transport'), (s) => ['server', 'client', 'cli', 'tui', 'cache'].includes(layer(s)))).toEqual([]);
  });

  it('hashing/ (shared by both hash indexes) builds on protocol/ alone', () => {
    expect(inLayer('hashing').length).toBeGreaterThan(0);
    expect(offending(inLayer('hashing'), (s) => ['server', 'client', 'cli', 'tui', 'cache', 'transport'].includes(layer(s)))).toEqual([]);
  });

  it('the server and the client do not reach into each other, the CLI or the app', () => {
    expect(offending(inLayer('server'), (s) => ['client', 'cli', 'tui', 'cache'].includes(layer(s)))).toEqual([]);
    expect(offending(inLayer('client'), (s) => ['server', 'cli', 'tui'].includes(layer(s)))).toEqual([]);
    expect(offending(inLayer('cache'), (s) => ['server', 'client', 'transport', 'cli', 'tui'].includes(layer(s)))).toEqual([]);
  });

  it('the app talks only to the client API', () => {
    expect(offending(inLayer('tui'), (s) => ['transport', 'protocol', 'server', 'cli'].includes(layer(s)))).toEqual([]);
  });

  it('sockets live in transport/ (and the bench, which drives peers)', () => {
    // Address parsing from node:net (isIP and kin) opens nothing and is fine anywhere.
    const addressOnly = /import\s*\{\s*isIP(v4|v6)?(\s*,\s*isIP(v4|v6)?)*\s*\}\s*from\s*'node:net'/;
    const outside = all.filter((f) => !['transport', 'bench'].includes(layer(f.file)));
    const opensSockets = (f: SourceFile) => (s: string) =>
      !f.typeOnly.has(s) && (s === 'node:dgram' || s === 'node:tls' || (s === 'node:net' && !addressOnly.test(f.text)));
    expect(outside.flatMap((f) => offending([f], opensSockets(f)))).toEqual([]);
  });

  it('the share store is path confinement only: reading bytes and making folders live beside it', () => {
    // design.md: one place decides where a client path leads. What is built on
    // that decision (read-whole.ts, store-writes.ts, map-limit.ts) stays out, so
    // the place stays small enough to review whole.
    const store = all.find((f) => f.file === 'server/store.ts')!;
    // Reading a folder's entries (a Dir's readSync) is the listing, which confinement owns; reading a file's bytes is not.
    const text = store.text.replaceAll('folder.readSync()', '');
    const reads = [...text.matchAll(/\b(readSync|readFile(Sync)?|read)\s*\(|\.read\(|\bfs\.mkdir\(/g)].map((m) => m[0]);
    expect(reads).toEqual([]);
    expect(store.text).not.toMatch(/\b(readWhole|makeParents|mapLimit)\b/);
  });

  it('request handlers reach the file system only through the share store', () => {
    // upload.ts still writes its temp file itself; every other handler goes through ShareStore.
    const handlers = all.filter((f) => f.file.startsWith('server/handlers/') && f.file !== 'server/handlers/upload.ts');
    const io = (f: SourceFile) => f.imports.filter((s) => !f.typeOnly.has(s) && (s === 'node:fs' || s === 'node:fs/promises' || s === 'node:path'));
    expect(handlers.flatMap((f) => io(f).map((s) => `${f.file} imports ${s}`))).toEqual([]);
  });
});
