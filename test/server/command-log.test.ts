import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LogRecord } from '../../src/protocol/messages.js';
import { CommandLog } from '../../src/server/command-log.js';

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
    await fs.writeFile(
      file,
      good(1) + 'not json\n' + good(2) + '{"time":"x"}\n' + '\n' + 'z'.repeat(3 * 1024 * 1024) + '\n' + good(3) + '{"time":"2023-11-1',
    );
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
});
