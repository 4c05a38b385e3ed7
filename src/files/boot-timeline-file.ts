// Where the boot timeline lives: boot-timeline.json in the state dir, written whole and
// renamed into place so a reader never sees half a file. aiosd reads it for `boot/timeline`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from './write-file-atomic.js';
import { BootTimeline } from '../protocol/boot-timeline.js';

export const TIMELINE_FILE = 'boot-timeline.json';

export function timelinePath(stateDir: string): string {
  return join(stateDir, TIMELINE_FILE);
}

export function writeTimeline(stateDir: string, timeline: BootTimeline): void {
  const file = timelinePath(stateDir);
  writeFileAtomicSync(file, JSON.stringify(timeline, null, 2) + '\n', { mode: 0o644 });
}

/** The recorded timeline, or null when none was recorded (or it cannot be read as one). */
export function readTimeline(stateDir: string): BootTimeline | null {
  let text: string;
  try {
    text = readFileSync(timelinePath(stateDir), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = BootTimeline.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** This boot's id; a timeline with another id is from an earlier boot. */
export function currentBootId(file = '/proc/sys/kernel/random/boot_id'): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

/** Seconds since the kernel started, as /proc/uptime counts them. */
export function kernelUptimeS(file = '/proc/uptime'): number {
  try {
    const first = readFileSync(file, 'utf8').split(/\s+/)[0];
    const v = Number(first);
    return Number.isFinite(v) ? v : 0;
  } catch {
    return 0;
  }
}

/** What `boot/timeline` answers: the recorded timeline, and whether it is from an earlier boot. */
export function bootTimelineView(stateDir: string): { timeline: BootTimeline | null; stale: boolean } {
  const timeline = readTimeline(stateDir);
  return { timeline, stale: timeline !== null && timeline.bootId !== currentBootId() };
}
