import { describe, expect, it } from 'vitest';
import { ASKING_FOR_HASHES } from '../../src/format.js';
import { progressBar, transferRow, transferRows, VERIFYING, WAITING_FOR_SERVER } from '../../src/tui/components/TransfersArea.js';
import { specText } from '../../src/tui/components/Line.js';
import type { Transfer } from '../../src/tui/state/transfers.js';

const base: Transfer = {
  id: 1,
  kind: 'download',
  path: 'dir/project1.pdf',
  transport: 'udp',
  bytes: 1_048_576,
  total: 2_097_152,
  rate: 388e6,
  etaSeconds: 0.4,
  status: 'running',
  moving: true,
};

describe('transfer row', () => {
  it('shows badge, name, bar, percent, bytes, rate and ETA while running', () => {
    expect(specText(transferRow(base, 118))).toMatch(/^ UDP project1\.pdf +█+░+ +50% {2}1\.0 MiB\/2\.0 MiB {2}370 MiB\/s {2}ETA 0 s$/);
  });

  it('a transfer that has not started says it waits for the server while the connection is down', () => {
    const waiting = { ...base, bytes: 0 };
    expect(specText(transferRow(waiting, 118, undefined, true))).toMatch(new RegExp(`^ UDP project1\\.pdf +${WAITING_FOR_SERVER}$`));
    expect(specText(transferRow(waiting, 118))).toMatch(/0%/); // connected: the usual bar
    expect(specText(transferRow(base, 118, undefined, true))).toMatch(/50%/); // already moving: its own connection carries on
  });

  it('a download with no progress yet says it is asking the server for the MD5 (the server may be hashing)', () => {
    const fresh: Transfer = { ...base, bytes: 0, rate: 0, etaSeconds: null, moving: undefined };
    expect(specText(transferRow(fresh, 118))).toMatch(new RegExp(`^ UDP project1\\.pdf +${ASKING_FOR_HASHES}$`));
    expect(specText(transferRow({ ...fresh, kind: 'upload' }, 118))).toMatch(/0%/); // an upload has nothing to ask
  });

  it('never shows more than 100 %', () => {
    expect(specText(transferRow({ ...base, bytes: 5e6 }, 118))).toContain('100%');
    expect(progressBar(7, 4)).toBe('████');
    expect(progressBar(Number.NaN, 4)).toBe('░░░░');
  });

  it('at 100 % and still running, says verifying… instead of a rate and an ETA of 0 s', () => {
    const all = specText(transferRow({ ...base, bytes: base.total, rate: 0, etaSeconds: 0 }, 118));
    expect(all).toMatch(new RegExp(`100% {2}2\\.0 MiB {2}${VERIFYING}$`));
    expect(all).not.toMatch(/ETA|\/s/);
    expect(specText(transferRow({ ...base, kind: 'upload', bytes: base.total }, 118))).toContain(VERIFYING);
    expect(specText(transferRow({ ...base, status: 'done', bytes: base.total }, 118))).not.toContain(VERIFYING);
  });

  it('shows the verified MD5 and details when done, the error when failed', () => {
    const done = specText(
      transferRow({ ...base, status: 'done', bytes: 2_097_152, md5: '0b8e1234567890abcdef1234567841f2', cache: 'miss', seconds: 0.02, retxPercent: 0.4 }, 118),
    );
    expect(done).toMatch(/100% {2}2\.0 MiB {2}md5 ✓ 0b8e…41f2 {2}cache miss {2}retx 0\.4 % {2}0\.02 s/);
    expect(specText(transferRow({ ...base, status: 'failed', error: 'server went away' }, 118))).toMatch(/UDP project1\.pdf +✗ server went away/);
  });
});

describe('transfer row width', () => {
  it('fits a finished row with all its details at 120 columns, shrinking the bar', () => {
    const t: Transfer = { ...base, status: 'done', bytes: 1_153_433, total: 1_153_433, md5: 'd41d8cd98f00b204e9800998ecf8427e', cache: 'miss', seconds: 0.02 };
    const text = specText(transferRow(t, 118));
    expect(text.length).toBeLessThanOrEqual(118);
    expect(text).toMatch(/cache miss {2}0\.02 s$/);
  });
});

describe('transfer rows together', () => {
  it('share one bar width, so the percentages line up whatever each row says after them', () => {
    const done: Transfer = { ...base, status: 'done', bytes: 2_097_152, total: 2_097_152, md5: '0b8e1234567890abcdef1234567841f2', seconds: 0.09 };
    const rows = transferRows([base, { ...done, cache: 'hit' }, { ...done, note: 'already identical' }], 118).map(specText);
    const at = rows.map((r) => r.indexOf('%'));
    expect(new Set(at).size).toBe(1);
    for (const r of rows) expect(r.length).toBeLessThanOrEqual(118);
  });
});
