// Paces frames: the first after a quiet spell goes out at once (on the next turn of the event
// loop, so a burst of state changes becomes one frame); later ones at most `maxFps` a second.
import type { FrameWriter } from './frame-writer.js';

export class FramePump {
  private latest: string | null = null;
  private lastAt = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly interval: number;

  constructor(private readonly writer: FrameWriter, maxFps: number, private readonly now = () => performance.now()) {
    this.interval = 1000 / Math.max(1, maxFps);
  }

  push(frame: string): void {
    this.latest = frame;
    if (this.timer !== null) return;
    const wait = Math.max(0, this.lastAt + this.interval - this.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  /** Writes the pending frame now, if any. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const frame = this.latest;
    this.latest = null;
    if (frame === null) return;
    this.lastAt = this.now();
    this.writer.render(frame);
  }
}
