// What the shell asks a second key for, apart from the shell state so that the modules that
// check a pending confirmation (plan-watch) need not import the state that holds it.
import type { PullTier } from '../../protocol/model-pull.js';

/** A second, explicit (and guarded) key is asked for before this is done. */
export type Confirm =
  | { kind: 'restore'; snapshotId: string; text: string }
  | { kind: 'rollback'; goalId: string; text: string }
  | { kind: 'cancel'; goalId: string; text: string }
  | { kind: 'leave'; text: string }
  /** The first run's F9: pull this model into this tier (a download and a config change). */
  | { kind: 'pull'; uri: string; tier: PullTier; text: string };
