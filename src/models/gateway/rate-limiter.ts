// Requests per minute, per provider, as a sliding window of start times: a request goes
// when fewer than `rpm` started in the last window.

export class RateLimiter {
  private readonly starts: number[] = [];

  constructor(
    private readonly rpm: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until a request may start (0: now). */
  waitMs(): number {
    const t = this.now();
    while (this.starts.length > 0 && (this.starts[0] as number) <= t - this.windowMs) this.starts.shift();
    if (this.starts.length < this.rpm) return 0;
    return (this.starts[0] as number) + this.windowMs - t;
  }

  /** Records a request starting now; call only when waitMs() is 0. */
  take(): void {
    this.starts.push(this.now());
  }

  /** Requests started in the current window. */
  get used(): number {
    this.waitMs();
    return this.starts.length;
  }
}
