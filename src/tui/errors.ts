// Errors become one readable line for the status area: never a stack trace.

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const msg = err.message.split('\n')[0] ?? '';
    return typeof code === 'string' && !msg.includes(code) ? `${msg} (${code})` : msg;
  }
  return String(err).split('\n')[0] ?? 'unknown error';
}
