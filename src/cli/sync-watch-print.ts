// What `ferry sync --watch` prints: a line per change applied as it happens
// (`↓ path` fetched, `↑ path` sent, `deleted path`, `✗ path: reason` for what
// failed or was left alone as a conflict), or with --json the action as one
// object per line, as one-shot sync prints it.

import type { SyncAction } from '../client/sync-plan.js';
import { actionJson } from './compare-print.js';
import { printable } from './table.js';

/** The line for an action carried out (or failed: `error` says why); undefined when it is not news. */
export function watchLine(a: SyncAction, pull: boolean, error?: string): string | undefined {
  const name = printable(a.path);
  if (error !== undefined) return `✗ ${name}: ${error}`;
  const arrow = pull ? '↓' : '↑';
  switch (a.kind) {
    case 'copy':
      return `${arrow} ${name}${a.keepBoth ? ' (kept both)' : ''}`;
    case 'mkdir':
      return `${arrow} ${name}/`;
    case 'touch':
      return `${arrow} ${name} (time only)`;
    case 'delete':
      return `deleted ${name}${a.type === 'dir' ? '/' : ''}`;
    case 'skip':
      return a.conflict || a.error ? `✗ ${name}: ${a.why}` : undefined;
  }
}

export function watchJson(a: SyncAction, error?: string): string {
  return actionJson(a, a.kind === 'skip' ? undefined : { ok: error === undefined, ...(error !== undefined ? { error } : {}) });
}
