import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LogRecord } from '../../src/protocol/messages.js';
import { CommandLog, rotatedLogFile as rotatedName } from '../../src/server/command-log.js';
import { MAX_LOG_LINE_BYTES } from '../../src/server/log-record.js';

let dir: string;
let log: CommandLog | undefined;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-log-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await log?.close();
  log = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

function record(i: number, extra: Partial<LogRecord> = {}): LogRecord {
  return {
    time: new Date(1_700_000_000_000 + i * 1000).toISOString(),
    client: '127.0.0.1:5000',
    command: 'list',
    args: { path: `dir${i}` },
    outcome: 'ok',
    bytes: i,
    ms: 1,
    ...extra,
  };
}

async function fileLines(file: string): Promise<unknown[]> {
  return (await fs.readFile(file, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

describe('CommandLog', () => {
  it('creates its folder and appends one JSON line per record, in order', async () => {
    const file = path.join(dir, 'nested', 'state', 'server.log.jsonl');
    log = await CommandLog.open(file);
    expect(log.file).toBe(file);
    const records = Array.from({ length: 500 }, (_, i) => record(i));
    for (const r of records) log.append(r); // not awaited: append never blocks
    await log.close();
    expect(await fileLines(file)).toEqual(records);
  });

  it('tails the last N records, oldest first, including ones just appended', async () => {
    log = await CommandLog.open(path.join(dir, 'log.jsonl'));
    for (let i = 0; i < 10; i++) log.append(record(i));
    expect((await log.tail(3)).map((r) => r.bytes)).toEqual([7, 8, 9]);
    expect((await log.tail(100)).map((r) => r.bytes)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await log.tail(0)).toEqual([]);
  });

  it('keeps appending to an existing log across reopen', async () => {
    const file = path.join(dir, 'log.jsonl');
    log = await CommandLog.open(file);
    log.append(record(1));
    await log.close();
    log = await CommandLog.open(file);
    log.append(record(2));
    expect((await log.tail(5)).map((r) => r.bytes)).toEqual([1, 2]);
  });

  it('skips torn and invalid lines, and ends a torn last line before appending', async () => {
    const file = path.join(dir, 'log.jsonl');
    const good = (i: number) => JSON.stringify(record(i)) + '\n';
    await fs.writeFile(file, good(1) + 'not json\n' + good(2) + '{"time":"x"}\n' + '\n' + 'z'.repeat(3 * 1024 * 1024) + '\n' + good(3) + '{"time":"2023-11-1');
    log = await CommandLog.open(file);
    log.append(record(4));
    expect((await log.tail(2)).map((r) => r.bytes)).toEqual([3, 4]);
    expect((await log.tail(10)).map((r) => r.bytes)).toEqual([1, 2, 3, 4]);
    const text = await fs.readFile(file, 'utf8');
    expect(text.endsWith('{"time":"2023-11-1\n' + good(4))).toBe(true);
  });

  it('reads the tail from the end instead of loading the whole file', async () => {
    const file = path.join(dir, 'huge.jsonl');
    // A 3 GiB sparse hole: reading it whole would fail (over Node's 2 GiB buffer limit) or take long.
    const fh = await fs.open(file, 'w');
    await fh.truncate(3 * 1024 ** 3);
    await fh.close();
    await fs.appendFile(file, '\n' + [1, 2, 3, 4].map((i) => JSON.stringify(record(i))).join('\n') + '\n');
    log = await CommandLog.open(file);
    const readFile = vi.spyOn(fs, 'readFile');
    expect((await log.tail(3)).map((r) => r.bytes)).toEqual([2, 3, 4]);
    expect(readFile).not.toHaveBeenCalled();
  });

  it('tells subscribers about each record until they unsubscribe', async () => {
    log = await CommandLog.open(path.join(dir, 'log.jsonl'));
    const seen: number[] = [];
    const stop = log.subscribe((r) => seen.push(r.bytes));
    const throwing = log.subscribe(() => {
      throw new Error('bad follower');
    });
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    log.append(record(1));
    log.append(record(2));
    stop();
    throwing();
    log.append(record(3));
    expect(seen).toEqual([1, 2]);
    expect(stderr).toHaveBeenCalledTimes(1);
    expect((await log.tail(5)).map((r) => r.bytes)).toEqual([1, 2, 3]);
  });

  it('reports write failures once on stderr and never throws', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    log = await CommandLog.open('/dev/full'); // every write fails with ENOSPC
    for (let i = 0; i < 5; i++) expect(() => log!.append(record(i))).not.toThrow();
    await log.close();
    expect(stderr).toHaveBeenCalledTimes(1);
    expect(String(stderr.mock.calls[0]![0])).toMatch(/ENOSPC|no space/i);
  });

  it('ignores appends after close', async () => {
    const file = path.join(dir, 'log.jsonl');
    log = await CommandLog.open(file);
    log.append(record(1));
    await log.close();
    log.append(record(2));
    expect(await fileLines(file)).toEqual([record(1)]);
  });

  it('rotates by size, keeps the newest older files, and loses or tears no line', async () => {
    const file = path.join(dir, 'log.jsonl');
    log = await CommandLog.open(file, { maxFileBytes: 2000, keepFiles: 3 });
    const records = Array.from({ length: 200 }, (_, i) => record(i));
    for (const r of records) log.append(r);
    await log.close();
    const names = (await fs.readdir(dir)).sort();
    expect(names).toEqual(['log.jsonl', 'log.jsonl.1', 'log.jsonl.2', 'log.jsonl.3']);
    const kept: unknown[] = [];
    for (const name of ['log.jsonl.3', 'log.jsonl.2', 'log.jsonl.1', 'log.jsonl']) {
      const text = await fs.readFile(path.join(dir, name), 'utf8');
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(2000);
      expect(text.endsWith('\n')).toBe(true);
      kept.push(...(await fileLines(path.join(dir, name)))); // every line parses: none torn
    }
    // What is kept is the newest records, each once, in order, with no gap.
    expect(kept.length).toBeGreaterThan(20);
    expect(kept).toEqual(records.slice(records.length - kept.length));
  });

  it('tails across the rotation boundary when the current file is short', async () => {
    const file = path.join(dir, 'log.jsonl');
    log = await CommandLog.open(file, { maxFileBytes: 1500, keepFiles: 2 });
    for (let i = 0; i < 12; i++) log.append(record(i));
    await log.close();
    log = await CommandLog.open(file, { maxFileBytes: 1500, keepFiles: 2 });
    const current = (await fileLines(file)).length;
    expect(current).toBeGreaterThan(0);
    expect(current).toBeLessThan(8); // so the last 8 need the previous file
    expect((await log.tail(8)).map((r) => r.bytes)).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    const all = await log.tail(1000);
    expect(all.map((r) => r.bytes)).toEqual(Array.from({ length: all.length }, (_, i) => 12 - all.length + i));
  });

  it('bounds one line: long paths, messages and arbitrary args are cut, and say so', async () => {
    const file = path.join(dir, 'log.jsonl');
    log = await CommandLog.open(file);
    const wide = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`key${i}`, 'v'.repeat(100)]));
    let deep: Record<string, unknown> = { leaf: 'x' };
    for (let i = 0; i < 100; i++) deep = { deep };
    log.append(
      record(1, {
        args: { path: 'p/'.repeat(40_000), wide, deep, list: Array.from({ length: 10_000 }, (_, i) => i) },
        message: '\u0001'.repeat(200_000),
        client: 'c'.repeat(10_000),
        command: 'x'.repeat(10_000),
      }),
    );
    log.append(record(2));
    await log.close();
    const lines = (await fs.readFile(file, 'utf8')).split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(Buffer.byteLength(lines[0]!)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
    const cut = JSON.parse(lines[0]!) as LogRecord;
    expect(String(cut.args.path).startsWith('p/p/p/')).toBe(true);
    expect(String(cut.args.path)).toMatch(/… \(\d+ more characters\)$/);
    expect(cut.message).toMatch(/… \(\d+ more characters\)$/);
    expect(cut).toMatchObject({ outcome: 'ok', bytes: 1, ms: 1 });
    expect(JSON.parse(lines[1]!)).toEqual(record(2));
  });

  it('bounds the queue behind a stalled disk: drops lines and records how many', async () => {
    const file = path.join(dir, 'log.jsonl');
    log = await CommandLog.open(file, { maxPendingBytes: 4096 });
    // Stall every write until released, the way a hung disk or NFS server would.
    const probe = await fs.open(path.join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { write: (...a: unknown[]) => Promise<unknown> };
    await probe.close();
    const realWrite = proto.write;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    vi.spyOn(proto, 'write').mockImplementation(async function (this: unknown, ...a: unknown[]) {
      await released;
      return realWrite.apply(this, a);
    });
    try {
      for (let i = 0; i < 1000; i++) log.append(record(i));
      expect(log.pendingBytes).toBeLessThanOrEqual(4096);
    } finally {
      release(); // also when the check fails, so closing the log cannot hang
    }
    await log.flush();
    vi.restoreAllMocks();
    log.append(record(1000));
    await log.close();
    const lines = (await fileLines(file)) as LogRecord[];
    const drop = lines.findIndex((l) => l.command === 'log');
    expect(drop).toBeGreaterThan(0);
    const dropped = lines[drop]!.args.dropped as number;
    // Every record is either written, in order, or counted as dropped.
    expect(lines.filter((l) => l.command !== 'log').map((l) => l.bytes)).toEqual([...Array.from({ length: drop }, (_, i) => i), 1000]);
    expect(drop + dropped).toBe(1000);
    expect(lines[drop]!.message).toBe(`${dropped} lines dropped: the log could not be written fast enough`);
  });

  it('loses nothing when a rotation was cut short between two renames', async () => {
    const file = path.join(dir, 'log.jsonl');
    const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => JSON.stringify(record(from + i)) + '\n').join('');
    // A crash after file.1 → file.2 but before file → file.1: file.1 is missing.
    await fs.writeFile(rotatedName(file, 3), lines(0, 5));
    await fs.writeFile(rotatedName(file, 2), lines(5, 10));
    await fs.writeFile(file, lines(10, 15));
    log = await CommandLog.open(file, { maxFileBytes: 5 * 200, keepFiles: 3 });
    expect((await log.tail(100)).map((r) => r.bytes)).toEqual(Array.from({ length: 15 }, (_, i) => i));
    for (let i = 15; i < 20; i++) log.append(record(i)); // rotates: the gap moves up, nothing newer is lost
    await log.close();
    log = await CommandLog.open(file, { maxFileBytes: 5 * 200, keepFiles: 3 });
    const kept = (await log.tail(100)).map((r) => r.bytes);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 20 - kept.length + i));
    expect(kept.length).toBeGreaterThanOrEqual(10);
  });

  it('finishes a short write and starts a fresh line after a failed one, so no line is torn or glued', async () => {
    const file = path.join(dir, 'log.jsonl');
    log = await CommandLog.open(file);
    const probe = await fs.open(path.join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { write: (...a: unknown[]) => Promise<{ bytesWritten: number }> };
    await probe.close();
    const realWrite = proto.write;
    vi.spyOn(proto, 'write').mockImplementation(async function (this: unknown, data: unknown, ...rest: unknown[]) {
      const bytes = Buffer.isBuffer(data) ? data : Buffer.from(String(data));
      const offset = typeof rest[0] === 'number' ? rest[0] : 0;
      const part = bytes.subarray(offset, offset + Math.ceil((bytes.length - offset) / 2));
      const text = bytes.toString();
      if (text.includes('"bytes":1,') && offset === 0) return realWrite.call(this, part); // the disk took only half
      if (text.includes('"bytes":3,')) {
        await realWrite.call(this, part); // half a line, then the disk failed
        throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
      }
      return realWrite.call(this, bytes.subarray(offset));
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    log.append(record(1));
    await log.flush();
    log.append(record(2));
    await log.flush();
    log.append(record(3)); // lost to the failure, but must not swallow the next line
    await log.flush();
    log.append(record(4));
    await log.close();
    vi.restoreAllMocks();
    const text = await fs.readFile(file, 'utf8');
    const parsed = text
      .split('\n')
      .map((l) => {
        try {
          return (JSON.parse(l) as LogRecord).bytes;
        } catch {
          return undefined;
        }
      })
      .filter((b) => b !== undefined);
    expect(parsed).toEqual([1, 2, 4]);
  });

  it('flush waits for a write that is already under way', async () => {
    const file = path.join(dir, 'log.jsonl');
    log = await CommandLog.open(file);
    const probe = await fs.open(path.join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { write: (...a: unknown[]) => Promise<unknown> };
    await probe.close();
    const realWrite = proto.write;
    let started!: () => void;
    const writing = new Promise<void>((r) => (started = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    vi.spyOn(proto, 'write').mockImplementation(async function (this: unknown, ...a: unknown[]) {
      started();
      await released;
      return realWrite.apply(this, a);
    });
    let flushed = false;
    try {
      log.append(record(1));
      await writing; // the queue is empty now; the line is in the write
      const flushing = log.flush().then(() => (flushed = true));
      await new Promise((r) => setImmediate(r));
      expect(flushed).toBe(false);
      release();
      await flushing;
      expect(await fileLines(file)).toEqual([record(1)]);
    } finally {
      release();
    }
  });
});
