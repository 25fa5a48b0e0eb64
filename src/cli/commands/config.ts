// ferry config: where the config file is, and what is in force.

import type { Argv } from 'yargs';
import { DEFAULT_SERVER } from '../../client/connect.js';
import { DEFAULT_TRANSFERS } from '../../client/download.js';
import { bindings, setKeyTable } from '../../tui/keys/bindings.js';
import type { Ctx } from '../io.js';
import { out, printJson } from '../io.js';

export function configCommand(ctx: Ctx) {
  return (y: Argv) =>
    y.command('config', 'the config file: defaults for the other commands, keys and colours for the app', (c) =>
      c
        .command('path', 'print where the config file is (or would be)', {}, () => out(ctx.io, ctx.config?.file ?? ''))
        .command(
          'show',
          'print the settings in force and where each comes from',
          (b) => b.option('json', { type: 'boolean', describe: 'print machine-readable JSON instead of text' }),
          (a) => showConfig(ctx, a.json === true),
        )
        .command('keys', "the app's commands with their keys (the names `keys` in the config file takes)", {}, () => showKeys(ctx))
        .demandCommand(1, 'name a config command: path, show or keys'),
    );
}

/** Each setting: its environment variable and what applies when neither sets it. */
const SETTINGS = [
  { setting: 'server', env: 'FERRY_SERVER', otherwise: DEFAULT_SERVER },
  { setting: 'token', env: 'FERRY_TOKEN', otherwise: '(none)' },
  { setting: 'tls', env: 'FERRY_TLS', otherwise: 'off' },
  { setting: 'fingerprint', env: 'FERRY_FINGERPRINT', otherwise: '(trusted on first use)' },
  { setting: 'cacheDir', env: 'FERRY_CACHE_DIR', otherwise: '(the user cache folder)' },
  { setting: 'local', env: 'FERRY_LOCAL', otherwise: '(the current folder)' },
] as const;

function showConfig(ctx: Ctx, json: boolean): void {
  const { io } = ctx;
  const { file = '', exists = false, settings = {}, filled = new Set<string>() } = ctx.config ?? {};
  const rows: { setting: string; value: string; source: string }[] = SETTINGS.map(({ setting, env, otherwise }) => {
    const value = io.env[env];
    const source = filled.has(env) ? 'config file' : value !== undefined ? `environment (${env})` : 'default';
    // The token itself is never printed.
    const shown = value === undefined ? otherwise : env === 'FERRY_TOKEN' ? '(set)' : env === 'FERRY_TLS' ? (value === '1' ? 'on' : 'off') : value;
    return { setting, value: shown, source };
  });
  // The app's own setting: no environment variable stands for it.
  rows.push({ setting: 'md5', value: settings.md5 ? 'on' : 'off', source: settings.md5 !== undefined ? 'config file' : 'default' });
  rows.push({ setting: 'mouse', value: settings.mouse === false ? 'off' : 'on', source: settings.mouse !== undefined ? 'config file' : 'default' });
  rows.push({
    setting: 'transfers',
    value: String(settings.transfers ?? DEFAULT_TRANSFERS),
    source: settings.transfers !== undefined ? 'config file' : 'default',
  });
  if (json) {
    printJson(io, { file, exists, settings: rows, keys: settings.keys ?? {}, colors: settings.colors ?? {} });
    return;
  }
  out(io, `config file: ${file}${exists ? '' : ' (none there: built-in defaults)'}`);
  const width = Math.max(...rows.map((r) => r.setting.length));
  for (const r of rows) out(io, `  ${r.setting.padEnd(width)}  ${r.value}  [${r.source}]`);
  for (const [command, keys] of Object.entries(settings.keys ?? {})) out(io, `  key ${command}: ${keys.join(', ')}`);
  for (const [slot, colour] of Object.entries(settings.colors ?? {})) out(io, `  colour ${slot}: ${colour}`);
}

function showKeys(ctx: Ctx): void {
  setKeyTable(ctx.config?.settings.keys ?? {});
  const rows = bindings().map((b) => ({ command: b.command, keys: b.keys.join(' '), help: b.help }));
  const w1 = Math.max(...rows.map((r) => r.command.length));
  const w2 = Math.max(...rows.map((r) => r.keys.length));
  for (const r of rows) out(ctx.io, `${r.command.padEnd(w1)}  ${r.keys.padEnd(w2)}  ${r.help}`);
}
