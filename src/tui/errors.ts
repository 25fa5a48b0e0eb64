// Errors become one readable line for the status area: never a stack trace,
// and never a control character (a message may quote a server or a name).

import { escapeControls } from '../safe-text.js';

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const msg = err.message.split('\n')[0] ?? '';
    return escapeControls(typeof code === 'string' && !msg.includes(code) ? `${msg} (${code})` : msg);
  }
  return escapeControls(String(err).split('\n')[0] ?? 'unknown error');
}
