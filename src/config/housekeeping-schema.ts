// [housekeeping]: the maintenance agent's default chores, each a goal through the goal engine.
// A chore is off when its key is false (or an empty list). Nothing under aiOS's state directory
// is ever touched: the snapshots and old packages a rollback needs live there.
import { z } from 'zod';
import { AGE_PATTERN } from './retention-schema.js';

const Age = z.string().regex(AGE_PATTERN, 'expected an age such as "10d", "12h" or "30m"');
const Abs = z.string().regex(/^\//, 'must be an absolute path');

export const HousekeepingConfig = z.strictObject({
  /** false: no chores at all. */
  enabled: z.boolean().default(true),
  /** How often each chore is looked at; the first time one interval after aiosd starts. */
  every: Age.default('1d'),
  temp_dirs: z.array(Abs).max(16).default(['/tmp', '/var/tmp']),
  /** A temp file neither read nor written within this long is removed. */
  temp_age: Age.default('10d'),
  /** journalctl --vacuum-time, where journald runs; false: never. */
  journal_age: z.union([Age, z.literal(false)]).default('30d'),
  /** apt-get clean; false: never. */
  apt_cache: z.union([Abs, z.literal(false)]).default('/var/cache/apt'),
  log_dirs: z.array(Abs).max(16).default(['/var/log']),
  /** A log larger than this is reported (read only: nothing is changed). */
  log_max_bytes: z
    .number()
    .int()
    .min(1)
    .default(100 * 1024 * 1024),
});
export type HousekeepingConfig = z.output<typeof HousekeepingConfig>;
