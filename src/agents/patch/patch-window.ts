// The patch window: local times of day when a run may start, at most once per window.
import type { Window } from '../../config/patch-schema.js';

const DAY_MIN = 24 * 60;

/** The start (ms) of the window that `now` falls in, or null when it is outside every window. */
export function windowStartAt(w: Window, now: Date): number | null {
  const minutes = now.getHours() * 60 + now.getMinutes();
  const length = (w.end - w.start + DAY_MIN) % DAY_MIN;
  const into = (minutes - w.start + DAY_MIN) % DAY_MIN;
  if (into >= length) return null;
  const start = new Date(now);
  start.setSeconds(0, 0);
  start.setMinutes(start.getMinutes() - into);
  return start.getTime();
}

/** When the next window opens after `now` (ms). */
export function nextWindowAt(w: Window, now: Date): number {
  const next = new Date(now);
  next.setHours(Math.floor(w.start / 60), w.start % 60, 0, 0);
  if (next.getTime() <= now.getTime()) next.setDate(next.getDate() + 1);
  return next.getTime();
}
