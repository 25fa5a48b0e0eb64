// The CLI ships as one bundle over tsc's output. Loading ~100 small ES modules
// (ferry's own, yargs and its helpers) cost ~45 ms of every start here: a small
// `ferry download` took 0.197 s from dist/ and 0.156 s from the bundle.
// tsc still builds dist/ (type-checked, one file per module) for the bench and
// for anyone importing the library; only bin/ferry.js runs the bundle.
import { defineConfig } from 'rolldown';

export default defineConfig({
  input: 'dist/cli/main.js',
  platform: 'node',
  // Ink loads React's devtools only when DEV=true; it is not a dependency of ours.
  // BLAKE3 is a native addon (a prebuilt .node per platform): the one runtime
  // dependency npm installs beside the bundle.
  external: ['react-devtools-core', '@napi-rs/blake-hash'],
  // React's production build: without this the bundle carries the development
  // one (checks, component stacks, render timing on every commit), which took
  // well over half the app's time while it downloaded 2,000 small files.
  transform: { define: { 'process.env.NODE_ENV': '"production"' } },
  output: {
    dir: 'dist/bundle',
    format: 'esm',
    sourcemap: true,
    cleanDir: true,
  },
});
