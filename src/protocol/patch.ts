// [security] auto_patch as status, `aios patch status` and `aios patch run` see it. Data only.
import { z } from 'zod';

export const PatchRunView = z.object({
  at: z.string(),
  /** The run's goal; null when there was nothing to upgrade or it stopped before planning (see outcome). */
  goalId: z.string().nullable(),
  mode: z.enum(['security', 'all']),
  /** upgraded: verified and kept; rolled_back: a check failed and the packages are as before; nothing: no update applied to the mode; failed: see message. */
  outcome: z.enum(['upgraded', 'rolled_back', 'nothing', 'failed', 'waiting']),
  /** The packages the run upgraded (or tried to), "name from → to". */
  packages: z.array(z.string()),
  message: z.string(),
});
export type PatchRunView = z.infer<typeof PatchRunView>;

export const PatchStatus = z.object({
  mode: z.enum(['off', 'security', 'all']),
  window: z.string(),
  /** The package root patched: "/" or a chroot ([packages] root). */
  root: z.string(),
  running: z.boolean(),
  /** When the next window opens (null when patching is off). */
  nextAt: z.string().nullable(),
  last: PatchRunView.nullable(),
});
export type PatchStatus = z.infer<typeof PatchStatus>;
