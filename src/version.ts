// The version string both ends announce in the handshake, read from package.json
// (one level up from both src/ and dist/).
import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

export const VERSION = pkg.version;
export const SERVER_NAME = `ferry/${VERSION}`;
