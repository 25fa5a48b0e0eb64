// `npm run build`'s second step: bundle tsc's output into dist/bundle with the
// settings in rolldown.config.mjs, then write the manual page from the bundled
// CLI's own --help (npm installs man/ferry.1 with the package). Through
// rolldown's API rather than its CLI, which prints a table of every asset's size
// on each install; errors still surface (a failed build throws and exits non-zero).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { build } from 'rolldown';
import config from '../rolldown.config.mjs';

await build(config);
mkdirSync('man', { recursive: true });
writeFileSync('man/ferry.1', execFileSync(process.execPath, ['bin/ferry.js', 'man'], { env: { PATH: process.env.PATH } }));
