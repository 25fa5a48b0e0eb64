// The CLI ships as one bundle over tsc's output. Loading ~100 small ES modules
// (ferry's own, yargs and its helpers) cost ~45 ms of every start here: a small
// `ferry download` took 0.197 s from dist/ and 0.156 s from the bundle.
// tsc still builds dist/ (type-checked, one file per module) for the bench and
// for anyone importing the library; only bin/ferry.js runs the bundle.
import { defineConfig } from 'rolldown';

/**
 * string-width (in yargs' help layout, wrap-ansi and our tables) makes an
 * Intl.Segmenter when its module loads. The first one in a process loads
 * ICU's break rules: ~10 ms of CPU on every `ferry` run, most of which never
 * measure a string (only --help and tables do). Each such top-level
 * `const x = new Intl.Segmenter(...)` in a dependency becomes a stand-in that
 * makes the real one when it is first used and hands every property on to it.
 */
const lazySegmenters = {
  name: 'lazy-intl-segmenter',
  transform: {
    filter: { id: /node_modules[\\/].*\.m?js$/, code: 'new Intl.Segmenter(' },
    handler(code) {
      const made = code.replace(
        /^const (\w+) = new Intl\.Segmenter\(([^;\n]*)\);$/gm,
        (_all, name, args) =>
          `let ${name}$made;\nconst ${name} = new Proxy({}, { get(_, key) { const real = (${name}$made ??= new Intl.Segmenter(${args})); const value = real[key]; return typeof value === 'function' ? value.bind(real) : value; } });`,
      );
      return made === code ? null : { code: made, map: null };
    },
  },
};

export default defineConfig({
  input: 'dist/cli/main.js',
  platform: 'node',
  plugins: [lazySegmenters],
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
