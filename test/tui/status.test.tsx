import { afterEach, describe, expect, it } from 'vitest';
import { remoteText } from './frames.js';
import { renderApp, type AppHarness } from './harness.js';

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
    app = renderApp();
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
