import { afterEach, describe, expect, it } from 'vitest';
import { CertificateChanged, type RecentServer } from '../../src/client/recent-servers.js';
import { Launcher, type OpenedApp } from '../../src/tui/components/Launcher.js';
import { KeypressProvider } from '../../src/tui/hooks/use-keypress.js';
import { colorTheme, ThemeContext } from '../../src/tui/theme.js';
import { FakeCache, FakeFerry } from '../helpers/fake-client.js';
import { render, type Rendered } from '../helpers/render.js';
import { localFolder, SAMPLE } from './harness.js';

let ui: Rendered | undefined;
afterEach(() => ui?.unmount());

const FP_OLD = `sha256:${'AB:'.repeat(31)}AB`;
const FP_NEW = `sha256:${'CD:'.repeat(31)}CD`;
const RECENT: RecentServer[] = [
  { host: 'files.example', port: 2003, tls: true, fingerprint: FP_OLD, lastUsed: Date.UTC(2026, 11, 1, 9, 14) },
  { host: '192.168.1.20', port: 4000, tls: false, lastUsed: Date.UTC(2026, 10, 28, 17, 2) },
];

interface Call {
  server: RecentServer | null;
  accept: string | undefined;
}

function appFor(label: string): OpenedApp {
  return { api: new FakeFerry(SAMPLE), cache: new FakeCache(), localRoot: localFolder({ 'a.txt': 'a' }), serverLabel: label, uploadAllowed: false };
}

function mount(open: (server: RecentServer | null, accept?: string) => Promise<OpenedApp>) {
  const calls: Call[] = [];
  let exited = false;
  ui = render(
    <ThemeContext.Provider value={colorTheme}>
      <KeypressProvider>
        <Launcher
          recent={RECENT}
          open={(server, accept) => {
            calls.push({ server, accept });
            return open(server, accept);
          }}
          onExit={() => (exited = true)}
        />
      </KeypressProvider>
    </ThemeContext.Provider>,
    { columns: 100, rows: 30 },
  );
  return { ui, calls, exited: () => exited };
}

describe('the recent servers picker', () => {
  it('lists the recent servers newest first; Enter connects to the one selected, then it is the app', async () => {
    const t = mount(async (s) => appFor(s ? `${s.host}:${s.port}` : 'built-in'));
    let f = await t.ui.waitFor((x) => x.includes('recent servers'));
    expect(f).toMatch(/▌files\.example:2003\s+TLS AB:AB:AB…AB:AB:AB\s+last used 2026-12-0\d/);
    expect(f).toMatch(/192\.168\.1\.20:4000\s+no TLS/);
    expect(f).toContain('Enter connect · Esc the built-in server · q quit');
    await t.ui.press('j', 'enter');
    f = await t.ui.waitFor((x) => x.includes('notes.md'));
    expect(f).toContain('192.168.1.20:4000');
    expect(t.calls).toEqual([{ server: RECENT[1], accept: undefined }]);
  });

  it('Esc goes on to the built-in server, as a first run does', async () => {
    const t = mount(async (s) => appFor(s ? 'picked' : 'built-in'));
    await t.ui.waitFor((x) => x.includes('recent servers'));
    await t.ui.press('escape');
    const f = await t.ui.waitFor((x) => x.includes('notes.md'));
    expect(f).toContain('built-in');
    expect(t.calls).toEqual([{ server: null, accept: undefined }]);
  });

  it('says why a connection failed and lets the user pick again; q quits', async () => {
    const t = mount(async (s) => {
      if (s?.port === 4000) throw Object.assign(new Error('cannot connect to 192.168.1.20:4000: connection refused'), { code: 'CONNECTION_LOST' });
      return appFor('x');
    });
    await t.ui.waitFor((x) => x.includes('recent servers'));
    await t.ui.press('down', 'enter');
    await t.ui.waitFor((x) => x.includes('✗ cannot connect to 192.168.1.20:4000: connection refused'));
    await t.ui.press('q');
    expect(t.exited()).toBe(true);
  });
});

describe('a changed certificate', () => {
  const changed = () => new CertificateChanged('files.example:2003 presented certificate …', 'files.example:2003', FP_OLD, FP_NEW, 'pin');

  it('is a warning naming both fingerprints, which only a deliberate a accepts', async () => {
    const t = mount(async (s, accept) => {
      if (s?.tls && accept !== FP_NEW) throw changed();
      return appFor('files.example:2003');
    });
    await t.ui.waitFor((x) => x.includes('recent servers'));
    await t.ui.press('enter');
    let f = await t.ui.waitFor((x) => x.includes('certificate changed'));
    expect(f).toContain('The certificate of files.example:2003 has changed.');
    // Whole, on two rows each: a person compares every byte.
    const half = (fp: string, n: 0 | 1) =>
      fp
        .slice(7)
        .split(':')
        .slice(n * 16, n * 16 + 16)
        .join(':');
    expect(f).toContain(`remembered  sha256:${half(FP_OLD, 0)}`);
    expect(f).toContain(`                      ${half(FP_OLD, 1)}`);
    expect(f).toContain(`now         sha256:${half(FP_NEW, 0)}`);
    expect(f).toContain(`                      ${half(FP_NEW, 1)}`);
    // Keys typed by habit do not say yes.
    await t.ui.press('enter', 'y', 'j');
    f = t.ui.frame();
    expect(f).toContain('certificate changed');
    expect(t.calls).toHaveLength(1);
    await t.ui.press('a');
    await t.ui.waitFor((x) => x.includes('notes.md'));
    expect(t.calls[1]).toEqual({ server: RECENT[0], accept: FP_NEW });
  });

  it('refused, nothing connects and the picker says so', async () => {
    const t = mount(async () => {
      throw changed();
    });
    await t.ui.waitFor((x) => x.includes('recent servers'));
    await t.ui.press('enter');
    await t.ui.waitFor((x) => x.includes('certificate changed'));
    await t.ui.press('escape');
    const f = await t.ui.waitFor((x) => x.includes('refused files.example:2003'));
    expect(f).not.toContain('has changed');
    expect(t.calls).toHaveLength(1);
    expect(t.exited()).toBe(false);
  });
});
