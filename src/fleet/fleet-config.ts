// [fleet] in config.toml: this node's name and labels, and the people it takes orders from.
import { z } from 'zod';
import { FleetHubLimits } from './hub-limits.js';
import { NAME_RE } from './subjects.js';

export const FleetConfig = z.strictObject({
  /** This node's name on the bus (default: [system] hostname, then the machine's hostname). */
  node: z.string().regex(NAME_RE, '1 to 63 letters, digits, - or _').optional(),
  /** label = "value" pairs a fleet goal can select nodes by (--nodes role=web). */
  labels: z.record(z.string().regex(NAME_RE), z.string().max(128)).default({}),
  /**
   * A person's Ed25519 public key (as `aios fleet key` prints it) → the local account it acts as.
   * That account's groups give the role, exactly as for a local login. Keys not listed are refused.
   */
  people: z
    .record(
      z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'an Ed25519 public key as aios fleet key prints it'),
      z.string().min(1).max(64),
    )
    .default({}),
  /** How old a signed request may be when it arrives (seconds); older ones run nothing. */
  max_age_s: z.number().int().min(5).max(3600).default(120),
  /**
   * How long a plan group of a fleet goal started at this node's console waits for a person's
   * decision (seconds; aios fleet goal --console --decide-within overrides it per goal). Past it
   * the group is expired: its nodes never get an approval.
   */
  decide_within_s: z
    .number()
    .int()
    .min(1)
    .max(30 * 86_400)
    .default(3600),
  /** On the hub's machine: the caps of the streams `aios fleet hub` makes (hub-limits.ts). */
  hub: FleetHubLimits.optional(),
});
export type FleetConfig = z.output<typeof FleetConfig>;
