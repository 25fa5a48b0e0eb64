// The version string both ends announce in the handshake, read from package.json:
// one level up from src/ and dist/, two from the CLI bundle in dist/bundle/.
import { createRequire } from 'node:module';

function packageVersion(): string {
  const require = createRequire(import.meta.url);
  for (const candidate of ['../package.json', '../../package.json']) {
    try {
      const pkg = require(candidate) as { name?: string; version?: string };
      if (pkg.name === 'ferry' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not at this level
    }
  }
  throw new Error('ferry: cannot find its package.json');
}

export const VERSION = packageVersion();
export const SERVER_NAME = `ferry/${VERSION}`;
