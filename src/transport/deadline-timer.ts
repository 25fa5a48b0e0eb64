// The one timer a UDP driver keeps for its state machine's "wake me at" action.
// The machines ask for deadlines often (every ACK, every send), so the timer is
// only re-armed when the new deadline is earlier: firing early costs a poll
// that finds nothing due, while re-arming on every request costs a timer each.

export class DeadlineTimer {
  private timer: NodeJS.Timeout | null = null;
  private at = Infinity;

  constructor(private readonly fire: () => void) {}

  /** Wake at `at` (performance.now() milliseconds); an earlier pending wake-up is kept. */
  set(at: number, now: number): void {
    if (this.timer && this.at <= at) return;
    this.clear();
    this.at = at;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.at = Infinity;
        this.fire();
      },
      Math.max(1, Math.ceil(at - now)),
    );
  }

  /** Let the process exit while only this timer is pending. */
  unref(): void {
    this.timer?.unref();
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.at = Infinity;
  }
}
