// The patching line of `aios status` and `aios patch status`, apart from the commands so that
// commands.ts (status) and patch-commands.ts (which uses withClient from it) need not import each other.
import type { PatchRunView, PatchStatus } from '../protocol/patch.js';
import { sanitize } from '../text/sanitize.js';

const one = (s: string): string => sanitize(s, { singleLine: true });

/** "patching: security, window 02:00-04:00 (next 2026-…); last run …": also a line of `aios status`. */
export function patchLine(p: PatchStatus): string {
  if (p.mode === 'off') return 'patching: off ([security] auto_patch)';
  const root = p.root === '/' ? '' : ` in ${one(p.root)}`;
  const next = p.running ? 'running now' : `next window ${p.nextAt ?? '?'}`;
  return `patching: ${p.mode}${root}, window ${p.window} (${next}); ${p.last === null ? 'no run yet' : `last run ${runLine(p.last)}`}`;
}

export function runLine(r: PatchRunView): string {
  const goal = r.goalId === null ? '' : ` (goal ${r.goalId.slice(-8)})`;
  return `${r.at}: ${r.outcome.replace(/_/g, ' ')}${goal}: ${one(r.message)}`;
}
