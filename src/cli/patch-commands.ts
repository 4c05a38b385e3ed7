// `aios patch status` and `aios patch run`: [security] auto_patch, whether it is on, its window,
// and the last run; a run now, outside the window (admins), that exits 1 unless it upgraded or
// found nothing to do.
import type { PatchRunView, PatchStatus } from '../protocol/patch.js';
import { sanitize } from '../text/sanitize.js';
import { withClient, type Io } from './commands.js';
import { EXIT } from './exit-codes.js';

const one = (s: string): string => sanitize(s, { singleLine: true });

/** "patching: security, window 02:00-04:00 (next 2026-…); last run …": also a line of `aios status`. */
export function patchLine(p: PatchStatus): string {
  if (p.mode === 'off') return 'patching: off ([security] auto_patch)';
  const root = p.root === '/' ? '' : ` in ${one(p.root)}`;
  const next = p.running ? 'running now' : `next window ${p.nextAt ?? '?'}`;
  return `patching: ${p.mode}${root}, window ${p.window} (${next}); ${p.last === null ? 'no run yet' : `last run ${runLine(p.last)}`}`;
}

function runLine(r: PatchRunView): string {
  const goal = r.goalId === null ? '' : ` (goal ${r.goalId.slice(-8)})`;
  return `${r.at}: ${r.outcome.replace(/_/g, ' ')}${goal}: ${one(r.message)}`;
}

export function patchStatusCommand(socketPath: string, io: Io): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    const p = await client.call('patch/status', {});
    io.out(io.json ? JSON.stringify(p) : patchLine(p));
    return EXIT.ok;
  });
}

export function patchRunCommand(socketPath: string, io: Io): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    const r = await client.call('patch/run', {});
    io.out(io.json ? JSON.stringify(r) : runLine(r));
    return r.outcome === 'upgraded' || r.outcome === 'nothing' ? EXIT.ok : EXIT.failed;
  });
}
