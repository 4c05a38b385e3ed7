// A/B updates of aiOS itself, as the protocol carries them (init/update does the work). Data only.
import { z } from 'zod';

const SlotName = z.enum(['a', 'b']);

/** An update or rollback aios-init accepted: the node restarts into `to` shortly after. */
export const UpdateAccepted = z.object({
  id: z.string(),
  kind: z.enum(['update', 'rollback']),
  from: z.object({ slot: SlotName, version: z.string() }),
  to: z.object({ slot: SlotName, version: z.string(), commit: z.string().nullable() }),
  keyId: z.string().nullable(),
});
export type UpdateAccepted = z.infer<typeof UpdateAccepted>;

/** The last update or rollback (src/update/update-state.ts). */
export const UpdateRecord = UpdateAccepted.omit({ keyId: true }).extend({
  requestedBy: z.string(),
  requestedAt: z.string(),
  phase: z.enum(['installing', 'switching', 'trying', 'succeeded', 'failed']),
  reason: z.string().nullable(),
  failedIn: z.enum(['install', 'boot', 'health']).nullable().optional(),
  finishedAt: z.string().nullable(),
});
export type UpdateRecord = z.infer<typeof UpdateRecord>;

export const UpdateStatus = z.object({
  /** Why this node cannot update itself (no slots, no GRUB environment), or null. */
  unavailable: z.string().nullable(),
  /** The slot that runs, and what it holds. */
  slot: SlotName.nullable(),
  version: z.string(),
  commit: z.string().nullable(),
  /** The other slot: what it holds (null: nothing). */
  other: z.object({ slot: SlotName, version: z.string(), commit: z.string().nullable() }).nullable(),
  /** GRUB's aios_active and aios_next. */
  grub: z.object({ active: z.string().nullable(), next: z.string().nullable() }).nullable(),
  last: UpdateRecord.nullable(),
  /** What a login says about the last one, when it failed. */
  notice: z.string().nullable(),
});
export type UpdateStatus = z.infer<typeof UpdateStatus>;
