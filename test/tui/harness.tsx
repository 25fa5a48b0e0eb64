// Mounts the whole app over the fake client at a given screen size.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { App } from '../../src/tui/components/App.js';
import { KeypressProvider } from '../../src/tui/hooks/use-keypress.js';
import { colorTheme, ThemeContext, type Theme } from '../../src/tui/theme.js';
import { FakeCache, FakeFerry, type FakeFile } from '../helpers/fake-client.js';
import { render, type Rendered } from '../helpers/render.js';
import { scratchDirSync } from '../helpers/scratch.js';

export interface AppHarness extends Rendered {
  api: FakeFerry;
  cache: FakeCache;
  localRoot: string;
  exited: () => boolean;
}

/** A temporary local folder holding `files` (path → content). */
export function localFolder(files: Record<string, string> = {}): string {
  const root = scratchDirSync('ferry-tui-');
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), content);
  }
  return root;
}

export const SAMPLE: FakeFile[] = [
  { path: 'Pasta/recipe.txt', content: 'boil water, add salt' },
  { path: '163.jpg', size: 26010 },
  { path: '160.jpg', size: 26010 },
  { path: 'like.txt', content: 'I like ferries\n' },
  { path: 'notes.md', content: 'todo: budget\n', mtimeMs: Date.UTC(2026, 10, 20, 9, 12) },
  { path: '.hidden', content: 'secret' },
];

export function renderApp(
  o: { files?: FakeFile[]; local?: Record<string, string>; columns?: number; rows?: number; theme?: Theme; uploadAllowed?: boolean; api?: FakeFerry; cache?: FakeCache; serverLabel?: string; remoteLabel?: string } = {},
): AppHarness {
  const api = o.api ?? new FakeFerry(o.files ?? SAMPLE);
  const cache = o.cache ?? new FakeCache();
  const localRoot = localFolder(o.local ?? { 'like.txt': 'I like ferries\n', 'drafts/a.txt': 'a' });
  let exited = false;
  const r = render(
    <ThemeContext.Provider value={o.theme ?? colorTheme}>
      <KeypressProvider>
        <App api={api} cache={cache} localRoot={localRoot} serverLabel={o.serverLabel ?? api.info.address} {...(o.remoteLabel !== undefined ? { remoteLabel: o.remoteLabel } : {})} uploadAllowed={o.uploadAllowed ?? true} onExit={() => (exited = true)} />
      </KeypressProvider>
    </ThemeContext.Provider>,
    { columns: o.columns ?? 120, rows: o.rows ?? 36 },
  );
  return Object.assign(r, { api, cache, localRoot, exited: () => exited });
}
