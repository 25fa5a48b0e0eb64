// Records the tour of demo.tape from the real app and turns it into the README's
// animated picture:
//
//   npm run demo        (builds first; or: node scripts/record-demo.mjs after a build)
//
// It runs `npm start` in a pseudo-terminal with a private, empty HOME (removed at
// the end), so ferry creates its sample share and scratch folder there and nothing
// lands in your own folders or in the checkout. Every key waits until the screen
// (read back through a headless xterm) shows what the key should lead to, so the
// recording never races the app; the pauses between keys are only there for the
// viewer. The output goes to docs/demo.cast (asciicast v2) and then, through
// svg-term-cli, to docs/demo.svg.

import { spawn as spawnPty } from '@lydell/node-pty';
import xterm from '@xterm/headless';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const castFile = path.join(root, 'docs', 'demo.cast');
const svgFile = path.join(root, 'docs', 'demo.svg');
const COLS = 100;
const ROWS = 30;
/** Longer stretches of nothing happening (the first start creates the sample share) are cut to this. */
const IDLE_LIMIT_S = 1.5;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function svgTermBinary() {
  const local = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'svg-term.cmd' : 'svg-term');
  if (existsSync(local)) return local;
  const found = spawnSync('svg-term', ['--help'], { stdio: 'ignore' });
  if (!found.error) return 'svg-term';
  process.stderr.write('record-demo: svg-term-cli is missing; run `npm install` (it is a devDependency)\n');
  process.exit(1);
}

if (!existsSync(path.join(root, 'dist', 'bundle'))) {
  process.stderr.write('record-demo: no dist/bundle; run `npm run build` first (`npm run demo` does)\n');
  process.exit(1);
}
const svgTerm = svgTermBinary();

const home = await fs.mkdtemp(path.join(os.tmpdir(), 'ferry-demo-'));
// Only what the app needs: no FERRY_* settings, config or XDG folders of the person recording.
const env = {
  PATH: process.env.PATH ?? '',
  HOME: home,
  TERM: 'xterm-256color',
  LANG: 'C.UTF-8',
  TZ: 'UTC',
  XDG_CONFIG_HOME: path.join(home, '.config'),
  XDG_DATA_HOME: path.join(home, '.local', 'share'),
  XDG_STATE_HOME: path.join(home, '.local', 'state'),
  XDG_CACHE_HOME: path.join(home, '.cache'),
  npm_config_update_notifier: 'false',
  npm_config_cache: path.join(home, '.npm'),
};

const term = new xterm.Terminal({ cols: COLS, rows: ROWS, allowProposedApi: true });
/** [seconds, data] as it reached the terminal, before idle time is cut. */
const events = [];
/** [seconds, the whole screen redrawn] after each change, for svg-term (see snapshot()). */
const frames = [];
const t0 = Date.now();
let pending = Promise.resolve();
function output(data) {
  const t = (Date.now() - t0) / 1000;
  events.push([t, data]);
  pending = pending.then(
    () =>
      new Promise((r) =>
        term.write(data, () => {
          const frame = snapshot();
          if (frames.at(-1)?.[1] !== frame) frames.push([t, frame]);
          r();
        }),
      ),
  );
}

/**
 * The screen as xterm shows it, redrawn from scratch with nothing but cursor
 * positions and colours. svg-term-cli's own terminal emulator loses some of Ink's
 * in-place updates (rows went missing from the picture), so it is given these
 * frames instead of the raw output; docs/demo.cast keeps the raw output.
 */
function snapshot() {
  const b = term.buffer.active;
  const color = (mode, value, base) =>
    mode === 'p'
      ? value < 8
        ? `${base + value}`
        : value < 16
          ? `${base + 60 + value - 8}`
          : `${base + 8};5;${value}`
      : mode === 'rgb'
        ? `${base + 8};2;${(value >> 16) & 255};${(value >> 8) & 255};${value & 255}`
        : '';
  let out = '\u001b[0m\u001b[2J';
  for (let y = 0; y < term.rows; y++) {
    const line = b.getLine(y);
    out += `\u001b[${y + 1};1H\u001b[0m`;
    let sgr = '';
    for (let x = 0; line && x < term.cols; x++) {
      const cell = line.getCell(x);
      if (!cell || cell.getWidth() === 0) continue;
      const parts = ['0'];
      if (cell.isBold()) parts.push('1');
      if (cell.isDim()) parts.push('2');
      if (cell.isItalic()) parts.push('3');
      if (cell.isUnderline()) parts.push('4');
      if (cell.isInverse()) parts.push('7');
      const fg = color(cell.isFgPalette() ? 'p' : cell.isFgRGB() ? 'rgb' : '', cell.getFgColor(), 30);
      const bg = color(cell.isBgPalette() ? 'p' : cell.isBgRGB() ? 'rgb' : '', cell.getBgColor(), 40);
      if (fg) parts.push(fg);
      if (bg) parts.push(bg);
      const next = `\u001b[${parts.join(';')}m`;
      if (next !== sgr) out += next;
      sgr = next;
      out += cell.getChars() || ' ';
    }
  }
  return out;
}

function screen() {
  const b = term.buffer.active;
  const lines = [];
  for (let i = 0; i < term.rows; i++) lines.push(b.getLine(i)?.translateToString(true) ?? '');
  return lines.join('\n');
}

/** Waits until the screen shows what `what` describes (a regular expression or a predicate). */
async function waitFor(what, ms = 15_000) {
  const test = typeof what === 'function' ? what : (s) => what.test(s);
  const deadline = Date.now() + ms;
  for (;;) {
    await pending;
    const s = screen();
    if (test(s)) return s;
    if (Date.now() > deadline) throw new Error(`the screen never showed ${what}; it showed:\n${s}`);
    await sleep(20);
  }
}

let proc;
let exitCode;
let exited;

/** Types text one key at a time, as a person would (the app sees each key as it comes). */
async function type(text, perKeyMs = 70) {
  for (const ch of text) {
    proc.write(ch);
    await sleep(perKeyMs);
  }
}

/** One step of the tour: press keys, wait for the screen to show the result, let the viewer look. */
async function step(keys, until, lookMs = 1200) {
  await type(keys);
  await waitFor(until);
  await sleep(lookMs);
}

const ESC = '\u001b';
const ENTER = '\r';
const TAB = '\t';
const BACKSPACE = '\u007f';
const panes = /┌ local .*┐┏ remote .*┓/;

async function tour() {
  // The prompt the tour starts from, then the real `npm start`.
  output('$ ');
  await sleep(600);
  for (const ch of 'npm start') {
    output(ch);
    await sleep(80);
  }
  await sleep(300);
  output('\r\n');
  proc = spawnPty('npm', ['start'], { name: 'xterm-256color', cols: COLS, rows: ROWS, cwd: root, env });
  proc.onData(output);
  exited = new Promise((resolve) => proc.onExit(({ exitCode: code }) => void pending.then(() => resolve(code))));

  // The sample share on the right, its scratch folder on the left.
  await waitFor((s) => /┌ local .*sample-downloads/.test(s) && s.includes('README.txt') && s.includes('● connected'), 60_000);
  await sleep(1500);

  // Browse the share: into docs/, down to a file.
  await step('jj', /┃▌docs\//, 300);
  await step(ENTER, /remote .*\/docs[^┓]*┓[\s\S]*┃ changelog\.txt/, 500);
  await step('j', /┃▌changelog\.txt/, 500);

  // Download over TCP, then the next file over UDP; both verified by MD5.
  await step('d', /TCP changelog\.txt .*md5 ✓/, 900);
  await step('j', /┃▌manual\.txt/, 300);
  await step('D', /UDP manual\.txt .*md5 ✓/, 1200);

  // Check every file here against the copies just downloaded.
  await step('V', /check all[\s\S]*done .*✓ 2 /, 2500);
  await step(ESC, panes, 500);

  // Back up, and filter by extension and by modification time.
  await step(BACKSPACE, /┃▌docs\/[\s\S]*README\.txt/, 500);
  await step('e', /extension:/, 200);
  await step(`.txt${ENTER}`, /\[ext \.txt\]/, 1500);
  await step(ESC, (s) => !s.includes('[ext') && s.includes('archive/'), 400);
  await step('s', /shortlist: modified between/, 200);
  await type('2020-01-01');
  await step(TAB, /before/, 100);
  await step(`2024-12-31${ENTER}`, /\[2020-01-01 → /, 1500);
  await step(ESC, (s) => !s.includes('[2020') && s.includes('archive/'), 400);

  // Search inside text files (on the server).
  await step('K', /search text files below for:/, 200);
  await step(`ferry${ENTER}`, /\[grep "ferry"\]/, 1800);
  await step(ESC, (s) => !s.includes('[grep') && s.includes('archive/'), 400);

  // The download cache, then the server's command log (live).
  await step('c', /┏ cache [\s\S]*2 entries/, 2200);
  await step(ESC, panes, 300);
  await step('L', /logs · server commands[\s\S]*\d+ lines/, 2500);
  await step(ESC, panes, 300);

  // A classic command.
  await step(':', /Enter run/, 200);
  await step(`FileDownload TCP README.txt${ENTER}`, /TCP README\.txt .*md5 ✓/, 1800);

  // Every key, then quit.
  await step('?', /help · Esc close/, 3000);
  await step(ESC, panes, 600);
  proc.write('q');
  exitCode = await exited;
  await sleep(800);
  output('$ ');
  await sleep(1200);
}

/** An asciicast v2 file of [seconds, data] events, with long idle stretches cut to IDLE_LIMIT_S. */
function castOf(events) {
  const header = {
    version: 2,
    width: COLS,
    height: ROWS,
    timestamp: Math.floor(t0 / 1000),
    title: 'ferry, a short tour',
    env: { TERM: 'xterm-256color', SHELL: '/bin/sh' },
  };
  const lines = [JSON.stringify(header)];
  let shift = 0;
  let last = 0;
  for (const [t, data] of events) {
    const gap = t - last;
    if (gap > IDLE_LIMIT_S) shift += gap - IDLE_LIMIT_S;
    last = t;
    lines.push(JSON.stringify([Number((t - shift).toFixed(6)), 'o', data]));
  }
  return { text: `${lines.join('\n')}\n`, seconds: last - shift };
}

let failed = false;
try {
  await tour();
  if (exitCode !== 0) throw new Error(`ferry exited with ${exitCode}`);
  const { text, seconds } = castOf(events);
  await fs.writeFile(castFile, text);
  const framesFile = path.join(home, 'frames.cast');
  await fs.writeFile(framesFile, castOf(frames).text);
  // --no-optimize: svgo would squeeze the runs of spaces inside highlighted rows.
  const svg = spawnSync(svgTerm, ['--in', framesFile, '--out', svgFile, '--window', '--no-cursor', '--no-optimize', '--padding', '10'], { stdio: 'inherit' });
  if (svg.error || svg.status !== 0) throw svg.error ?? new Error(`svg-term exited with ${svg.status}`);
  const { size } = await fs.stat(svgFile);
  process.stdout.write(`${path.relative(root, castFile)}: ${seconds.toFixed(1)} s; ${path.relative(root, svgFile)}: ${(size / 1024).toFixed(0)} KiB\n`);
} catch (err) {
  failed = true;
  process.stderr.write(`record-demo: ${err instanceof Error ? err.message : err}\n`);
} finally {
  try {
    proc?.kill();
  } catch {
    // already gone
  }
  await fs.rm(home, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
