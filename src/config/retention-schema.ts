// [retention]: how long finished goals, events and memories are kept, and how many automatic
// snapshots. Ages take a "d" suffix too ("90d"): retention is counted in days, not seconds.
import { z } from 'zod';

/** "90d", "12h", "30m", "45s"; "0d" keeps nothing that has reached its age (everything final). */
export const AGE_PATTERN = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const Age = z.string().regex(AGE_PATTERN, 'expected an age such as "90d", "12h" or "30m"');

export const RetentionConfig = z.strictObject({
  goals: Age.default('90d'),
  events: Age.default('30d'),
  /** Automatic snapshots kept, newest first (was [recovery] max_snapshots). */
  auto_snapshots: z.number().int().min(1).default(24),
  memories: Age.default('180d'),
  /** Ledger entries older than this are archived out of the database under a signed seal (never deleted). */
  ledger: Age.default('365d'),
  /** The monitor's samples (was [monitor] keep_hours). */
  metrics: Age.default('24h'),
  /** The state directory's filesystem this full (percent used) starts a collection at once. */
  low_disk_pct: z.number().min(1).max(100).default(90),
  /** How often the maintenance agent collects (a small disk, or a soak, wants it more often than daily). */
  every: Age.refine((a) => ageMs(a) >= 1000, 'expected at least "1s": collection is not a busy loop').default('1d'),
});
export type RetentionConfig = z.output<typeof RetentionConfig>;

/** "90d" → ms; throws a sentence naming the text when it is not an age. */
export function ageMs(text: string): number {
  const m = AGE_PATTERN.exec(text.trim());
  if (m?.[1] === undefined || m[2] === undefined)
    throw new Error(`not an age: ${JSON.stringify(text)}; write e.g. "90d", "12h" or "30m"`);
  return Math.round(Number(m[1]) * (UNIT_MS[m[2]] ?? 1));
}

/** [retention] as written, or its defaults when the table is absent. */
export function retentionSettings(retention: RetentionConfig | undefined): RetentionConfig {
  return retention ?? RetentionConfig.parse({});
}
