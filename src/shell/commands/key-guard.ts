// The guard on printable keys that are commands. A letter that approves, rolls back or leaves
// must never be the first letter of a goal being typed, nor a key pressed as a plan appears:
// such a key acts only when it stands alone — at least `guardMs` after what it acts on last
// appeared or changed on screen, at least `guardMs` after the previous key, and with no other
// key within `burstMs` after it (so it is decided `burstMs` late). Anything else is text.
// Non-printable keys never pass through here; the controller runs them at once.

/** Time, and a one-shot timer, injectable so tests step through the guard exactly. */
export interface GuardClock {
  now(): number;
  /** Calls `fn` after `ms`; returns a function that cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export interface GuardTimes {
  guardMs: number;
  burstMs: number;
}

export const DEFAULT_GUARD: GuardTimes = { guardMs: 700, burstMs: 250 };

/** No guard: every command key acts at once (tests that are not about the guard, the bench's baseline). */
export const NO_GUARD: GuardTimes = { guardMs: 0, burstMs: 0 };

export const realClock: GuardClock = {
  now: () => performance.now(),
  after: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

export interface GuardOutlet<K> {
  /** The key stood alone: run its command. */
  act(key: K): void;
  /** The key was turned away: it is text for the input line. */
  text(key: K): void;
  /** Whether a command key pressed now could act (for the hint): told after every key and change, and when it arms. */
  armed?(armed: boolean): void;
}

export class KeyGuard<K> {
  private changedAt = -Infinity;
  private keyAt = -Infinity;
  private held: { key: K; at: number; cancel: () => void } | null = null;
  private armedTimer: (() => void) | null = null;

  constructor(
    private times: GuardTimes,
    private readonly clock: GuardClock,
    private readonly out: GuardOutlet<K>,
  ) {}

  get settings(): GuardTimes {
    return this.times;
  }

  configure(times: GuardTimes): void {
    this.times = times;
    this.rearm();
  }

  /** What a command key acts on appeared or changed on screen: a key held for it is text now. */
  changed(): void {
    this.changedAt = this.clock.now();
    this.release();
    this.rearm();
  }

  /** Any key that is not a guarded command (it still starts the quiet time, and ends a held key's wait as text). */
  other(): void {
    this.release();
    this.keyAt = this.clock.now();
    this.rearm();
  }

  /** A printable key that is a command where it was pressed. */
  offer(key: K): void {
    const now = this.clock.now();
    const hadHeld = this.held !== null;
    this.release();
    const quiet = now - this.keyAt >= this.times.guardMs && now - this.changedAt >= this.times.guardMs;
    this.keyAt = now;
    this.rearm();
    // A key right after another (held or not) is part of a burst of typing.
    if (hadHeld || !quiet) return this.out.text(key);
    if (this.times.burstMs <= 0) return this.out.act(key);
    const cancel = this.clock.after(this.times.burstMs, () => {
      if (this.held?.key !== key) return;
      this.held = null;
      // The screen changed while the key waited: the person decided on what was there before.
      if (this.changedAt > now) this.out.text(key);
      else this.out.act(key);
    });
    this.held = { key, at: now, cancel };
  }

  /** A key waiting to see whether another follows. */
  get waiting(): boolean {
    return this.held !== null;
  }

  dispose(): void {
    this.held?.cancel();
    this.held = null;
    this.armedTimer?.();
    this.armedTimer = null;
  }

  /** The held key, if any, is the start of a burst: text. */
  private release(): void {
    const held = this.held;
    if (held === null) return;
    this.held = null;
    held.cancel();
    this.out.text(held.key);
  }

  /** Tells the outlet armed/not armed, and when it will be armed again. */
  private rearm(): void {
    if (this.out.armed === undefined) return;
    this.armedTimer?.();
    this.armedTimer = null;
    const wait = Math.max(this.keyAt, this.changedAt) + this.times.guardMs - this.clock.now();
    this.out.armed(wait <= 0);
    if (wait > 0) {
      this.armedTimer = this.clock.after(wait, () => {
        this.armedTimer = null;
        this.out.armed?.(true);
      });
    }
  }
}
