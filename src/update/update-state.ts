// The record of the last update or rollback, kept beside the slots (update.json on the root
// disk, where both slots' aios-init can read it before any other disk is mounted). aios-init
// moves it along; aiosd reads it to record outcomes in the ledger and to say at login how the
// last one went. Written atomically (a temporary file, then rename).
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomicSync } from '../files/write-file-atomic.js';

export const UPDATE_STATE_FILE = 'update.json';

const SlotName = z.enum(['a', 'b']);
export const UpdatePhase = z.enum([
  /** aios-init is unpacking the bundle into the inactive slot. */
  'installing',
  /** aios_next names the new slot; the node is restarting into it. */
  'switching',
  /** The new slot booted and runs its health check. */
  'trying',
  'succeeded',
  'failed',
]);
export type UpdatePhase = z.infer<typeof UpdatePhase>;

export const UpdateState = z.object({
  /** The id aiosd gave the request (the ledger's subject for it). */
  id: z.string(),
  kind: z.enum(['update', 'rollback']),
  requestedBy: z.string(),
  requestedAt: z.string(),
  from: z.object({ slot: SlotName, version: z.string() }),
  to: z.object({ slot: SlotName, version: z.string(), commit: z.string().nullable() }),
  phase: UpdatePhase,
  /** Why it failed, in words, and where: unpacking, booting the new slot, or its health check (failed only). */
  reason: z.string().nullable(),
  failedIn: z.enum(['install', 'boot', 'health']).nullable().default(null),
  finishedAt: z.string().nullable(),
});
export type UpdateState = z.input<typeof UpdateState>;

export function readUpdateState(slotsDir: string): UpdateState | null {
  let raw: string;
  try {
    raw = readFileSync(join(slotsDir, UPDATE_STATE_FILE), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = UpdateState.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null; // cut short by a crash mid-write cannot happen (rename), but a hand edit can
  }
}

export function writeUpdateState(slotsDir: string, s: UpdateState): void {
  mkdirSync(slotsDir, { recursive: true });
  writeFileAtomicSync(join(slotsDir, UPDATE_STATE_FILE), JSON.stringify(s, null, 2) + '\n', { mode: 0o644 });
}

/** Puts back the record as it was before a request that changed nothing (none: no file). */
export function restoreUpdateState(slotsDir: string, previous: UpdateState | null): void {
  if (previous === null) rmSync(join(slotsDir, UPDATE_STATE_FILE), { force: true });
  else writeUpdateState(slotsDir, previous);
}

/** The line a login shows after an update that did not take, or null. */
export function failureNotice(s: UpdateState | null, running: { slot: string; version: string } | null): string | null {
  if (s === null || s.phase !== 'failed') return null;
  const what = s.kind === 'rollback' ? `rollback to ${s.to.version}` : `update to ${s.to.version}`;
  const how = { install: 'was not installed', boot: 'did not boot', health: 'failed its health check' }[
    s.failedIn ?? 'health'
  ];
  const now = running === null ? '' : `; running ${running.version} (slot ${running.slot})`;
  return `${what} ${how}: ${s.reason ?? 'no reason recorded'}${now}`;
}
