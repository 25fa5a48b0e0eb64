import { it } from 'vitest';
import { SAMPLE, renderApp } from './harness.js';
it('dbg', async () => {
  const a = renderApp({ files: SAMPLE.map((f) => ({ ...f })) });
  await a.waitFor((f) => f.includes('notes.md') && f.includes('drafts/'));
  await a.press('j', 'F5');
  await a.waitFor((x) => x.includes('to local: /'));
  console.log(a.frame().split('\n').slice(-6).join('\n'));
  a.unmount();
});
