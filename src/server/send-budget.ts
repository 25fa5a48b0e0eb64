// One budget for everything a connection is sent, whatever the frame kind.
// Frames that cannot wait (PONG, REPLY, ERROR, ITEM) go out at once, and a
// client that lets more than `unreadBytes` pile up is disconnected. Frames that
// can wait (DATA, and ITEM before the next batch is read) wait for the socket
// to drain, and a client that reads nothing at all for `sendStallMs` while
// they wait is disconnected too. Either way the close is logged.

import { ErrorCode, FerryError } from '../protocol/errors.js';
import type { FrameConnection } from '../transport/connection.js';
import type { ServerCounters, ServerLimits } from './context.js';

export class SendBudget {
  constructor(
    private readonly conn: FrameConnection,
    private readonly limits: Pick<ServerLimits, 'unreadBytes' | 'sendStallMs'>,
    private readonly counters: Pick<ServerCounters, 'sendsWaiting'>,
    /** Log why the connection is being closed. */
    private readonly refuse: (error: FerryError) => void,
  ) {}

  /** Send a frame that cannot wait, then hold the connection to its budget. */
  sendNow(kind: number, id: number, header: object, payload?: Buffer): void {
    this.conn.send(kind, id, header, payload);
    this.guard();
  }

  /** Past the budget the connection is closed: a client that stops reading must not make the server queue without end. */
  guard(): void {
    const queued = this.conn.queuedBytes;
    if (queued <= this.limits.unreadBytes || this.conn.isClosed) return;
    this.refuse(new FerryError(ErrorCode.TooLarge, `client is not reading: ${queued} bytes queued`));
    this.conn.destroy();
  }

  /**
   * Resolves when the connection can take more. A client that reads nothing at
   * all for `sendStallMs` meanwhile is disconnected: within the budget it would
   * otherwise hold its transfers' files and chunks for as long as TCP lives.
   */
  async drained(): Promise<void> {
    if (!this.conn.needsDrain) return;
    const { sendStallMs } = this.limits;
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<'stalled'>((resolve) => {
      timer = setTimeout(() => resolve('stalled'), sendStallMs);
      timer.unref();
    });
    this.counters.sendsWaiting++;
    try {
      if ((await Promise.race([this.conn.drained(), stalled])) !== 'stalled') return;
    } finally {
      this.counters.sendsWaiting--;
      clearTimeout(timer);
    }
    const queued = this.conn.queuedBytes;
    this.refuse(new FerryError(ErrorCode.Timeout, `client read nothing for ${Math.round(sendStallMs / 1000)} s with ${queued} bytes queued`));
    this.conn.destroy();
    throw new FerryError(ErrorCode.ConnectionLost, 'client stopped reading');
  }
}
