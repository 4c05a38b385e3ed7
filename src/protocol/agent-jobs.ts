// An agent's own recurring jobs (the maintenance agent's retention and housekeeping), as
// `aios agents` and agents/list show them.
import { z } from 'zod';

export const AgentJobView = z.object({
  name: z.string(),
  /** When it runs, in words: "daily, and when the state directory's filesystem is 90% full". */
  schedule: z.string(),
  /** The next timed run (ISO), or null when it is off. */
  next: z.string().nullable(),
  last: z
    .object({
      at: z.string(),
      ok: z.boolean(),
      /** What it did: "collected 3 goals, …", "proposed goal 1a2b3c4d (awaiting approval)". */
      summary: z.string(),
    })
    .nullable(),
});
export type AgentJobView = z.infer<typeof AgentJobView>;
