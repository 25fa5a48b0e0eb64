// Human formatting shared by the CLI and the TUI, so both say the same thing
// the same way.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 0 B, 198 B, 25.4 KiB, 1.0 MiB, 12 GiB (three significant digits at most). */
/** `1 file`, `2 files`; `plural(3, 'entry', 'entries')`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${value} B`;
  const digits = value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/**
 * Bytes per second in the units sizes use (KiB, MiB, GiB): '12.7 KiB/25.4 KiB
 * 1.9 MiB/s' can be compared at a glance, which MB/s beside MiB could not.
 */
export function formatRate(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '— B/s';
  return `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

/** 0 s, 42 s, 3 m 05 s, 1 h 02 m. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} m`;
}

/** Local time as 'YYYY-MM-DD HH:MM:SS', the format the classic commands use. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '?';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Parse '512MiB', '1 GiB', '10m', '2g', '4096' into bytes. Returns NaN when unparsable. */
export function parseBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b?)\s*$/i.exec(text);
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  const power = ' kmgtp'.indexOf((m[2] || ' ').toLowerCase());
  const decimal = m[3]?.toLowerCase() === 'b' && m[2] !== ''; // '10MB' is decimal, '10MiB' and '10M' binary
  const base = decimal ? 1000 : 1024;
  return Math.round(n * base ** power);
}

/**
 * What a download shows before its first byte: the server hashes a file
 * version the first time it is asked for (seconds for a large file). The CLI's
 * status line and the app's transfer row say it the same way.
 */
export const ASKING_FOR_HASHES = 'asking the server for its size and hashes…';
