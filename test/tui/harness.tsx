// Mounts the whole app over the fake client: at a given screen size (renderApp),
// or with ink-testing-library (renderAppAnySize) for tests whose assertions hold
// at any size. See test/helpers/render.ts for which to use when.

import { render as itlRender } from 'ink-testing-library';
import type { ReactElement } from 'react';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { App, type AppProps } from '../../src/tui/components/App.js';
import { KeypressProvider } from '../../src/tui/hooks/use-keypress.js';
import { colorTheme, ThemeContext, type Theme } from '../../src/tui/theme.js';
import { FakeCache, FakeFerry, type FakeFile } from '../helpers/fake-client.js';
import { drive, render, type Driven, type Rendered } from '../helpers/render.js';
import { scratchDirSync } from '../helpers/scratch.js';

interface AppParts {
  api: FakeFerry;
  cache: FakeCache;
  localRoot: string;
  exited: () => boolean;
}

/** What every app test has, whichever render mounted the app. */
export type AppHarness = Driven & AppParts;
/** An app on a screen of a known size, which can be resized. */
export type SizedAppHarness = Rendered & AppParts;

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

type AppOptions = {
  files?: FakeFile[];
  local?: Record<string, string>;
  columns?: number;
  rows?: number;
  theme?: Theme;
  uploadAllowed?: boolean;
  md5Here?: boolean;
  api?: FakeFerry;
  cache?: FakeCache;
  serverLabel?: string;
  remoteLabel?: string;
  concurrency?: number;
  queueFile?: string;
  syncStateFile?: AppProps['syncStateFile'];
};

function appTree(o: AppOptions): { tree: ReactElement; parts: AppParts } {
  const api = o.api ?? new FakeFerry(o.files ?? SAMPLE);
  const cache = o.cache ?? new FakeCache();
  const localRoot = localFolder(o.local ?? { 'like.txt': 'I like ferries\n', 'drafts/a.txt': 'a' });
  let exited = false;
  const tree = (
    <ThemeContext.Provider value={o.theme ?? colorTheme}>
      <KeypressProvider>
        <App
          api={api}
          cache={cache}
          localRoot={localRoot}
          serverLabel={o.serverLabel ?? api.info.address}
          {...(o.remoteLabel !== undefined ? { remoteLabel: o.remoteLabel } : {})}
          uploadAllowed={o.uploadAllowed ?? true}
          md5Here={o.md5Here ?? false}
          {...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {})}
          {...(o.queueFile !== undefined ? { queueFile: o.queueFile } : {})}
          {...(o.syncStateFile !== undefined ? { syncStateFile: o.syncStateFile } : {})}
          onExit={() => (exited = true)}
        />
      </KeypressProvider>
    </ThemeContext.Provider>
  );
  return { tree, parts: { api, cache, localRoot, exited: () => exited } };
}

/** The app on a screen of `columns` x `rows` (120x36 unless told). */
export function renderApp(o: AppOptions = {}): SizedAppHarness {
  const { tree, parts } = appTree(o);
  const r = render(tree, { columns: o.columns ?? 120, rows: o.rows ?? 36 });
  return Object.assign(r, parts);
}

/**
 * The app under ink-testing-library, for tests whose assertions do not depend on
 * the screen size: its stdout is 100 columns with no rows, so the app takes its
 * default height.
 */
export function renderAppAnySize(o: Omit<AppOptions, 'columns' | 'rows'> = {}): AppHarness {
  const { tree, parts } = appTree(o);
  const r = itlRender(tree);
  const driven = drive(r.stdin, r.lastFrame, () => {
    r.unmount();
    r.cleanup();
  });
  return Object.assign(driven, parts);
}
