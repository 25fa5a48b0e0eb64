import { afterEach, describe, expect, it } from 'vitest';
import { specText } from '../../src/tui/components/Line.js';
import { fitServerLabel, statusSegments } from '../../src/tui/components/StatusLine.js';
import { displayWidth } from '../../src/tui/text.js';
import { remoteText } from './frames.js';
import { renderApp, renderAppAnySize, type AppHarness } from './harness.js';

let app: AppHarness | undefined;
afterEach(() => app?.unmount());

describe('status line and errors', () => {
  it('shows the server, latency from ping, and connection changes from onStatus', async () => {
    app = renderApp();
    await app.waitFor((x) => x.includes('▸ 127.0.0.1:2003') && x.includes('● connected 0.4 ms'));
    app.api.setStatus({ state: 'reconnecting', error: 'connection reset' });
    await app.waitFor((x) => x.includes('◌ reconnecting: connection reset'));
    app.api.setStatus({ state: 'connected', latencyMs: 12.4 });
    await app.waitFor((x) => x.includes('● connected 12 ms'));
    app.api.setStatus({ state: 'closed', error: 'server went away' });
    await app.waitFor((x) => x.includes('○ closed: server went away'));
  });

  it('refreshes the remote listing when the connection comes back', async () => {
    app = renderAppAnySize();
    await app.waitFor((x) => x.includes('notes.md') && x.includes('● connected'));
    app.api.setStatus({ state: 'reconnecting', error: 'connection reset' });
    await app.waitFor((x) => x.includes('reconnecting'));
    app.api.files.push({ path: 'arrived.txt', content: 'new' });
    const calls = app.api.listCalls.length;
    app.api.setStatus({ state: 'connected', latencyMs: 1 });
    await app.waitFor((x) => x.includes('arrived.txt'));
    expect(app.api.listCalls.length).toBeGreaterThan(calls);
  });

  it('a download asked for while reconnecting says it waits for the server, then shows its bar', async () => {
    app = renderApp();
    await app.waitFor((x) => x.includes('notes.md') && x.includes('● connected'));
    app.api.setStatus({ state: 'reconnecting', error: 'connection refused' });
    await app.waitFor((x) => x.includes('reconnecting'));
    await app.press('j', 'j'); // 163.jpg
    await app.press('d');
    const t = await app.api.downloads.next();
    await app.waitFor((x) => x.includes('163.jpg') && x.includes('waiting for the server to come back…'));
    app.api.setStatus({ state: 'connected', latencyMs: 1 });
    t.progress(13005, 2_000_000);
    const f = await app.waitFor((x) => /163\.jpg .*50%/.test(x));
    expect(f).not.toContain('waiting for the server');
  });

  it('a listing asked for while reconnecting says it waits for the server', async () => {
    app = renderAppAnySize();
    await app.waitFor((x) => x.includes('notes.md') && x.includes('● connected'));
    let release!: () => void;
    app.api.listGate = new Promise<void>((r) => (release = r));
    app.api.setStatus({ state: 'reconnecting', error: 'connection refused' });
    await app.press('r');
    await app.waitFor((x) => x.includes('waiting for the server to come back…'));
    app.api.setStatus({ state: 'connected', latencyMs: 1 });
    release();
    const f = await app.waitFor((x) => x.includes('notes.md') && !x.includes('waiting for the server') && !x.includes('loading…'));
    expect(f).toContain('● connected');
  });

  it('a failing ping shows as reconnecting, not a crash', async () => {
    const { FakeFerry } = await import('../helpers/fake-client.js');
    const api = new FakeFerry([{ path: 'a.txt', content: 'a' }]);
    api.pingError = new Error('timed out');
    app = renderApp({ api });
    await app.waitFor((x) => x.includes('reconnecting: timed out') && x.includes('a.txt'));
  });

  it('a refused listing shows in the pane, and the app keeps working', async () => {
    app = renderApp();
    await app.waitFor((x) => x.includes('notes.md'));
    app.api.listError = Object.assign(new Error('path escapes the share'), { code: 'FORBIDDEN' });
    await app.press('enter');
    let f = await app.waitFor((x) => x.includes('✗ path escapes the share (FORBIDDEN)'));
    expect(f).not.toMatch(/\bat .*:\d+:\d+/);
    app.api.listError = null;
    await app.press('backspace');
    f = await app.waitFor((x) => remoteText(x, 120).includes('notes.md'));
    expect(f).not.toContain('FORBIDDEN');
  });

  it('shows the cache fill in the status line', async () => {
    app = renderApp();
    await app.waitFor((x) => x.includes('cache 0 B / 1.0 GiB'));
  });
});

describe('an embedded server', () => {
  it('names the share folder in the status line, and the remote pane title keeps to address and path', async () => {
    app = renderApp({ serverLabel: '127.0.0.1:2003 (/home/me/.local/share/ferry/sample-share)', remoteLabel: '127.0.0.1:2003' });
    let f = await app.waitFor((x) => x.includes('notes.md'));
    expect(f.split('\n')[0]).toContain('▸ 127.0.0.1:2003 (/home/me/.local/share/ferry/sample-share)');
    await app.press('enter'); // into Pasta/
    f = await app.waitFor((x) => x.includes('recipe.txt'));
    expect(f.split('\n')[1]).toContain('remote  127.0.0.1:2003/Pasta');
  });
});

describe('status line fitting', () => {
  const long = '127.0.0.1:40533 (/home/someone/.local/share/ferry/sample-share)';
  const text = (width: number) =>
    specText(
      statusSegments({
        width,
        serverLabel: long,
        status: { state: 'connected', latencyMs: 0.4 },
        cache: { dir: '/c', entries: 0, bytes: 0, limit: 1024 ** 3, hits: 0, misses: 0 },
        running: 0,
      }),
    );

  it('shortens a long server label from the folder start so cache and help still show', () => {
    const t = text(110);
    expect(t).toContain('▸ 127.0.0.1:40533 (…');
    expect(t).toContain('ferry/sample-share)');
    expect(t).toContain('● connected 0.4 ms');
    expect(t.trimEnd().endsWith('? help')).toBe(true);
    expect(displayWidth(t)).toBeLessThanOrEqual(110);
  });

  it('keeps the whole label when it fits, and drops the hints before the connection state on a tiny screen', () => {
    expect(text(200)).toContain(`▸ ${long}  ● connected`);
    const tiny = text(40);
    expect(tiny).toContain('● connected');
    expect(tiny).not.toContain('help');
    expect(fitServerLabel(long, 30)).toBe('127.0.0.1:40533 (…ample-share)'); // no folder boundary in what fits
    expect(fitServerLabel(long, 50)).toBe('127.0.0.1:40533 (…/share/ferry/sample-share)'); // cut at a '/'
    expect(fitServerLabel(long, 12)).toBe('127.0.0.1:4…');
  });
});
