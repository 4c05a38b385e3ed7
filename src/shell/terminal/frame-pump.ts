// Paces frames. A frame caused by a key goes out at once (an echo is a few bytes); frames
// caused by the daemon (streamed output, events) are coalesced: at most `maxFps` a second, and
// never faster than the line's byte budget allows, so a 115200-baud serial console always has
// room left for the person's keys. The budget is a token bucket debited by what was written.
import type { FrameWriter } from './frame-writer.js';

export interface PumpOptions {
  maxFps: number;
  /** Bytes a second background frames may use on average; null for no limit. */
  bytesPerS: number | null;
  now?: () => number;
}

/** A quarter second of budget may be spent at once: a view switch is not held back. */
function burstFor(bytesPerS: number | null): number {
  return bytesPerS === null ? Infinity : Math.max(256, bytesPerS / 4);
}

/**
 * The share of the budget background frames refill at. The rest is headroom: a key's frame is
 * written at once and a burst may be spent at once, and with them any stretch of time still
 * stays within the budget.
 */
const BACKGROUND_SHARE = 0.85;

function refillRate(bytesPerS: number | null): number | null {
  return bytesPerS === null ? null : bytesPerS * BACKGROUND_SHARE;
}

export class FramePump {
  private latest: string | null = null;
  private lastAt = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly interval: number;
  private readonly now: () => number;
  /** Bytes of budget available (negative: owed). */
  private tokens: number;
  private tokensAt: number;
  private burst: number;
  /** What was written in all, for tests and benchmarks. */
  bytes = 0;
  frames = 0;

  constructor(
    private readonly writer: Pick<FrameWriter, 'render' | 'patch'>,
    maxFpsOrOptions: number | PumpOptions,
  ) {
    const o = typeof maxFpsOrOptions === 'number' ? { maxFps: maxFpsOrOptions, bytesPerS: null } : maxFpsOrOptions;
    this.interval = 1000 / Math.max(1, o.maxFps);
    this.now = o.now ?? (() => performance.now());
    this.rate = refillRate(o.bytesPerS);
    this.burst = burstFor(this.rate);
    this.tokens = this.burst;
    this.tokensAt = this.now();
  }

  private rate: number | null;

  /** A new budget, once the line's speed is known. */
  setBytesPerS(bytesPerS: number | null): void {
    this.refill();
    this.rate = refillRate(bytesPerS);
    this.burst = burstFor(this.rate);
    this.tokens = Math.min(this.tokens, this.burst);
  }

  /** A new frame; `urgent` when a key caused it (written now, its bytes still counted). */
  push(frame: string, urgent = false): void {
    this.latest = frame;
    if (urgent) {
      this.flush();
      return;
    }
    if (this.timer !== null) return;
    this.timer = setTimeout(() => this.flush(), this.wait());
  }

  /** Writes the pending frame now, if any. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const frame = this.latest;
    this.latest = null;
    if (frame === null) return;
    this.refill();
    this.lastAt = this.now();
    const written = this.writer.render(frame);
    this.bytes += written;
    this.frames += written > 0 ? 1 : 0;
    this.tokens -= written;
  }

  /**
   * A key's echo, written now, ahead of its frame (see FrameWriter.patch); false when the screen
   * does not show what the echo expects. A frame held back is dropped: it shows the line as it
   * was before the key, and the frame that follows the key has everything it had.
   */
  echo(expected: string[], rows: string[], below: number): boolean {
    this.refill();
    const written = this.writer.patch(expected, rows, below);
    if (written === null) return false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.latest = null;
    this.bytes += written;
    this.tokens -= written;
    return true;
  }

  /** Milliseconds until a background frame may go out: renders wait for it (no frame drawn only to be held). */
  readyIn(): number {
    return this.wait();
  }

  /** Milliseconds until a background frame may go out. */
  private wait(): number {
    this.refill();
    const byFps = this.lastAt + this.interval - this.now();
    const byBytes = this.rate === null || this.tokens >= 0 ? 0 : (-this.tokens / this.rate) * 1000;
    return Math.max(0, byFps, byBytes);
  }

  private refill(): void {
    const t = this.now();
    if (this.rate !== null) this.tokens = Math.min(this.burst, this.tokens + ((t - this.tokensAt) / 1000) * this.rate);
    this.tokensAt = t;
  }
}
