// Rows for one peer, whatever happens: skipped with an install hint when the
// program is missing, "failed" with the reason when its server will not
// start, and the server always stopped afterwards.

import { skipped } from '../measure.js';
import { missing, type Need } from '../peers/common.js';
import type { BenchContext, Row } from '../types.js';

/**
 * Start a peer's server, or say why its rows cannot run: skipped with an
 * install hint, or failed with the reason it would not start. For cases that
 * keep several servers up at once; the caller closes the server.
 */
export async function openPeer<S>(
  ctx: BenchContext,
  tools: readonly string[],
  needs: readonly Need[],
  start: () => Promise<S>,
): Promise<{ server: S } | { rows: Row[] }> {
  const absent = missing(needs);
  if (absent.length) {
    const rows = tools.map((tool) => skipped(tool, absent));
    ctx.log(`  ${tools.join(', ')}: skipped, ${rows[0]!.note}`);
    return { rows };
  }
  try {
    return { server: await start() };
  } catch (err) {
    const note = `server did not start: ${err instanceof Error ? err.message : String(err)}`;
    ctx.log(`  ${tools.join(', ')}: ${note}`);
    return { rows: tools.map((tool) => ({ tool, ferry: false, status: 'failed', note, seconds: [] })) };
  }
}

/** Several rows measured against one server (e.g. two scp ciphers against one sshd). */
export async function peerRows<S extends { close(): Promise<unknown> }>(
  ctx: BenchContext,
  tools: readonly string[],
  needs: readonly Need[],
  start: () => Promise<S>,
  body: (server: S) => Promise<Row[]>,
): Promise<Row[]> {
  const opened = await openPeer(ctx, tools, needs, start);
  if ('rows' in opened) return opened.rows;
  try {
    return await body(opened.server);
  } finally {
    await opened.server.close();
  }
}

export async function peerRow<S extends { close(): Promise<unknown> }>(
  ctx: BenchContext,
  tool: string,
  needs: readonly Need[],
  start: () => Promise<S>,
  body: (server: S) => Promise<Row>,
): Promise<Row> {
  const rows = await peerRows(ctx, [tool], needs, start, async (s) => [await body(s)]);
  return rows[0]!;
}
