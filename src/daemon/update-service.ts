// aiosd's side of A/B updates of aiOS: an admin's request is recorded in the ledger, handed to
// aios-init (which carries it, since aiosd is stopped in the middle), and its answer recorded
// too; outcomes aios-init wrote to update.json are recorded once each; status and the login
// notice are read from the slots and GRUB's environment. The work itself is in init/update.
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ulid } from 'ulid';
import { OpError } from '../agents/op-error.js';
import type { AuditLedger } from '../memory/audit-ledger.js';
import type { Db } from '../memory/database.js';
import type { UpdateAccepted, UpdateStatus } from '../protocol/update.js';
import { askInit } from '../tools/init-control-client.js';
import { VERSION } from '../version.js';
import { GrubEnv } from '../update/grubenv.js';
import { bootedSlot, otherSlot, slotHoldsTree, slotVersion, updateSettings } from '../update/update-settings.js';
import { failureNotice, readUpdateState } from '../update/update-state.js';

export interface UpdateService {
  status: () => UpdateStatus;
  notice: () => string | null;
  /** Records outcomes not yet in the ledger; returns how many. */
  recordOutcomes: () => number;
  request: (p: { bundle: string; allowDowngrade?: boolean | undefined }, actor: string) => Promise<UpdateAccepted>;
  rollback: (actor: string) => Promise<UpdateAccepted>;
}

// Unpacking and checking a 50 MiB bundle on a slow disk: aios-init answers once it is in the slot.
const INSTALL_TIMEOUT_MS = 10 * 60_000;

/**
 * Tells aios-init that the client of request `id` has its answer, so the restart (which stops
 * aiosd) goes ahead now. setImmediate runs after the promise chain that writes the RPC answer
 * (src/daemon/rpc-server.ts writes it as the handler's promise settles, and a Unix socket takes
 * a small frame at once), so the answer is in the client's socket before aiosd can be stopped.
 * Unheard, aios-init restarts at its bound (ANSWER_WAIT_MS in init/update/update-carrier.ts).
 */
function tellInitAnswered(socket: string, id: string): void {
  setImmediate(() => {
    askInit(socket, { op: 'answered', requestId: id }, 10_000).catch(() => undefined);
  });
}

export function createUpdateService(d: {
  db: Db;
  ledger: AuditLedger;
  env: NodeJS.ProcessEnv;
  /** aios-init's control socket, or null when aios-init does not run this aiosd. */
  initSocket: string | null;
}): UpdateService {
  const settings = updateSettings(d.env);
  const slot = bootedSlot(d.env, settings.slotsDir, dirname(fileURLToPath(import.meta.url)));
  const grub = new GrubEnv(settings.grubenv, settings.grubEditenv);
  const running = (): { slot: string; version: string } | null =>
    slot === null ? null : { slot, version: slotVersion(settings.slotsDir, slot)?.version ?? VERSION };

  const recorded = d.db.prepare("SELECT 1 FROM audit WHERE action = 'update.outcome' AND subject = ? LIMIT 1");
  const recordOutcomes = (): number => {
    const s = readUpdateState(settings.slotsDir);
    if (s === null || (s.phase !== 'succeeded' && s.phase !== 'failed')) return 0;
    if (recorded.get(s.id) !== undefined) return 0;
    d.ledger.append({
      actor: 'aios-init',
      action: 'update.outcome',
      subject: s.id,
      detail: {
        kind: s.kind,
        outcome: s.phase,
        from: `${s.from.slot} ${s.from.version}`,
        to: `${s.to.slot} ${s.to.version}`,
        ...(s.reason === null ? {} : { reason: s.reason, failedIn: s.failedIn ?? 'health' }),
        running: slot ?? 'unknown',
      },
    });
    return 1;
  };

  const handOver = async (
    kind: 'update' | 'rollback',
    actor: string,
    extra: { bundle?: string; allowDowngrade?: boolean },
  ): Promise<UpdateAccepted> => {
    if (d.initSocket === null)
      throw new OpError(
        'Failed',
        'aios update needs aios-init: this aiosd was not started by it (the disk image runs aios-init as init)',
      );
    const id = ulid();
    // Before anything happens: who asked for what.
    d.ledger.append({
      actor,
      action: `update.${kind === 'update' ? 'request' : 'rollback'}`,
      subject: id,
      detail: extra,
    });
    try {
      const answer = await askInit(
        d.initSocket,
        { op: kind, requestId: id, requestedBy: actor, ...extra },
        INSTALL_TIMEOUT_MS,
      );
      const accepted = answer.update;
      if (accepted === undefined) throw new Error('aios-init did not say what it accepted');
      d.ledger.append({
        actor: 'aios-init',
        action: 'update.accepted',
        subject: id,
        detail: {
          kind,
          from: `${accepted.from.slot} ${accepted.from.version}`,
          to: `${accepted.to.slot} ${accepted.to.version}`,
          ...(accepted.to.commit === null ? {} : { commit: accepted.to.commit }),
          ...(accepted.keyId === null ? {} : { keyId: accepted.keyId }),
        },
      });
      tellInitAnswered(d.initSocket, id);
      return accepted;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      d.ledger.append({ actor: 'aios-init', action: 'update.refused', subject: id, detail: { kind, reason } });
      throw new OpError('Failed', reason);
    }
  };

  const notice = (): string | null => failureNotice(readUpdateState(settings.slotsDir), running());

  return {
    notice,
    recordOutcomes,
    request: (p, actor) =>
      handOver('update', actor, { bundle: p.bundle, ...(p.allowDowngrade === true ? { allowDowngrade: true } : {}) }),
    rollback: (actor) => handOver('rollback', actor, {}),
    status: () => {
      const mine = slot === null ? null : slotVersion(settings.slotsDir, slot);
      const other = slot === null ? null : otherSlot(slot);
      const otherVersion =
        other !== null && slotHoldsTree(settings.slotsDir, other) ? slotVersion(settings.slotsDir, other) : null;
      let env: Record<string, string> | null = null;
      let unavailable: string | null =
        slot === null ? `this aiOS does not run from an A/B slot under ${settings.slotsDir}` : null;
      try {
        if (!existsSync(settings.grubenv)) throw new Error(`${settings.grubenv} does not exist`);
        env = grub.read();
      } catch (err) {
        unavailable ??= `GRUB's environment block cannot be read: ${(err as Error).message}`;
      }
      if (unavailable === null && d.initSocket === null) unavailable = 'aios-init does not run this aiosd';
      return {
        unavailable,
        slot,
        version: mine?.version ?? VERSION,
        commit: mine?.commit ?? null,
        other:
          other === null || otherVersion === null
            ? null
            : { slot: other, version: otherVersion.version, commit: otherVersion.commit },
        grub: env === null ? null : { active: env['aios_active'] ?? null, next: env['aios_next'] || null },
        last: readUpdateState(settings.slotsDir),
        notice: notice(),
      };
    },
  };
}
