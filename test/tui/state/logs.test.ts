import { describe, expect, it } from 'vitest';
import { formatClientLine, formatRecord, initialLogs, isFailureLine, logLines, logsReducer, logWindow, type LogsState } from '../../../src/tui/state/logs.js';
import type { LogRecord } from '../../../src/client/types.js';

const rec = (i: number, outcome = 'ok'): LogRecord => ({
  time: `2026-11-25T09:00:${String(i % 60).padStart(2, '0')}.000Z`,
  client: '127.0.0.1:5000',
  command: i % 2 ? 'download' : 'list',
  args: { path: `f${i}` },
  outcome,
  bytes: i,
  ms: 1,
});

function withRecords(n: number): LogsState {
  return logsReducer(initialLogs, { type: 'serverRecords', records: Array.from({ length: n }, (_, i) => rec(i)), replace: true });
}

describe('logsReducer', () => {
  it('formats a record on one line with its outcome', () => {
    expect(formatRecord(rec(3, 'NOT_FOUND'))).toMatch(/127\.0\.0\.1:5000 {2}download {2}NOT_FOUND {2}3 B {2}\d+ ms {2}path=f3/);
  });

  it('puts outcome, bytes and time where a long argument list cannot push them off the row', () => {
    const r: LogRecord = {
      ...rec(1),
      bytes: 31_457_280,
      ms: 290,
      args: { path: 'big30.bin', identity: { size: 31_457_280, mtimeMs: 1795608786812.6868, ino: 2245073 } },
    };
    expect(formatRecord(r).slice(0, 60)).toMatch(/download {2}ok {2}30\.0 MiB {2}290 ms/);
  });

  it('marks error outcomes as failures, but not ok, a cancelled request or an upper-case file name', () => {
    expect(isFailureLine('server', formatRecord(rec(1, 'NOT_FOUND')))).toBe(true);
    expect(isFailureLine('server', formatRecord(rec(1, 'ok')))).toBe(false);
    expect(isFailureLine('server', formatRecord({ ...rec(2, 'CANCELLED'), command: 'logs', args: { follow: true } }))).toBe(false);
    expect(isFailureLine('server', formatRecord({ ...rec(1), args: { path: 'README.TXT' } }))).toBe(false);
    expect(isFailureLine('client', formatClientLine({ time: 0, level: 'error', text: 'download failed' }))).toBe(true);
    expect(isFailureLine('client', formatClientLine({ time: 0, level: 'info', text: 'ERROR_LOG.txt downloaded' }))).toBe(false);
  });

  it('follows the tail, and scrolling up pauses following', () => {
    let s = withRecords(50);
    expect(logWindow(s, 10).first).toBe(40);
    s = logsReducer(s, { type: 'scroll', delta: -5, height: 10 });
    expect(s.follow).toBe(false);
    expect(logWindow(s, 10).first).toBe(35);
    s = logsReducer(s, { type: 'serverRecords', records: [rec(99)] });
    expect(logWindow(s, 10).first).toBe(35); // paused: new lines do not move the view
    s = logsReducer(s, { type: 'toggleFollow' });
    expect(logWindow(s, 10).first).toBe(41);
  });

  it('filters case-insensitively and switches source', () => {
    let s = logsReducer(withRecords(10), { type: 'filter', text: 'DOWNLOAD' });
    expect(logLines(s)).toHaveLength(5);
    s = logsReducer(s, { type: 'client', line: { time: 0, level: 'info', text: 'download a.txt' } });
    s = logsReducer(s, { type: 'source' });
    expect(s.source).toBe('client');
    expect(logLines(s)).toHaveLength(1);
  });

  it('caps memory at 5000 lines', () => {
    let s = withRecords(4990);
    s = logsReducer(s, { type: 'serverRecords', records: Array.from({ length: 20 }, (_, i) => rec(i)) });
    expect(s.server).toHaveLength(5000);
  });

  it('scrollTo bottom resumes following', () => {
    let s = logsReducer(withRecords(30), { type: 'scrollTo', index: 0, height: 10 });
    expect(s.follow).toBe(false);
    s = logsReducer(s, { type: 'scrollTo', index: -1, height: 10 });
    expect(s.follow).toBe(true);
  });
});
