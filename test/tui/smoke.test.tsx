import { afterEach, expect, it } from 'vitest';
import { renderApp, type AppHarness } from './harness.js';
import { stripAnsi } from '../helpers/render.js';

let app: AppHarness | undefined;
afterEach(() => app?.unmount());

it('renders', async () => {
  app = renderApp();
  const f = await app.waitFor((f) => f.includes('like.txt') && f.includes('163.jpg'));
  console.log(stripAnsi(f));
  expect(f).toContain('remote');
});
