// `npm run build`'s second step: bundle tsc's output into dist/bundle with the
// settings in rolldown.config.mjs. Through the API rather than the rolldown CLI,
// which prints a table of every asset's size on each install; errors still
// surface (a failed build throws and exits non-zero).
import { build } from 'rolldown';
import config from '../rolldown.config.mjs';

await build(config);
