// [[schedule]] entries as `aios schedule list` and the TUI see them.
import { z } from 'zod';
import { AutonomyLevel } from './vocabulary.js';

export const ScheduleView = z.object({
  /** Its place in config.toml's [[schedule]] list. */
  index: z.number(),
  name: z.string(),
  goal: z.string(),
  every: z.string().nullable(),
  at: z.string().nullable(),
  autonomy: AutonomyLevel.nullable(),
  nextAt: z.string().nullable(),
  lastAt: z.string().nullable(),
  lastGoalId: z.string().nullable(),
  lastState: z.string().nullable(),
  fired: z.number(),
  /** Firings passed over because the entry's last goal was still planned, waiting or running. */
  skipped: z.number(),
  /** Why it is not scheduled (an autonomy above the node's, times that never come). */
  problem: z.string().nullable(),
});
export type ScheduleView = z.infer<typeof ScheduleView>;
