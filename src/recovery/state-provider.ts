// Machine state that is not files (installed packages, services, the firewall ruleset): each
// kind captures what it is now and puts it back, and says plainly what it could not put back.
import type { StateUse } from '../tools/tool.js';

export interface StateRestoreReport {
  /** True when the state now matches the capture. */
  ok: boolean;
  /** What was changed to get back (e.g. "stopped nginx.service", "removed hello"). */
  actions: string[];
  /** What could not be brought back, and why, in words a person can act on. */
  problems: string[];
}

export interface StateProvider {
  readonly kind: StateUse['kind'];
  /** What the state is now, for these keys (all when empty); plain JSON. `use`: the whole declaration. */
  capture(keys: readonly string[], use?: StateUse): Promise<unknown>;
  /** Files a capture relies on to be restored (kept .debs): the snapshot records their content too. */
  keepFiles?(saved: unknown): string[];
  /** Puts the captured state back. */
  restore(saved: unknown): Promise<StateRestoreReport>;
  /** What restore() would change now, in words ("remove hello"); changes nothing. */
  preview?(saved: unknown): Promise<string[]>;
}
