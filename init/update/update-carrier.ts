// aios-init's side of A/B updates. aiosd records a request in the ledger and hands it over
// (aiosd is stopped in the middle of an update, so it cannot carry one): aios-init verifies the
// bundle, unpacks it into the slot that does not run, sets GRUB's aios_next to it and restarts.
// GRUB boots aios_next once and clears it first, so a new slot whose kernel or PID 1 dies falls
// back to aios_active by itself at the next boot (panic=10 turns PID 1's death into one). The
// new slot's aios-init then runs the health check before the deadline: passed, aios_active
// becomes the new slot; failed, it restarts into the old one. Each step is written to
// update.json first, so the slot that boots next knows how the last one ended.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AiosClient } from '../../src/protocol/client.js';
import { VERSION } from '../../src/version.js';
import { BundleRefused } from './bundle-verify.js';
import { GrubEnv } from '../../src/update/grubenv.js';
import { healthCheck } from './health-check.js';
import { installSlot, receiveBundle } from './slot-install.js';
import {
  bootedSlot,
  otherSlot,
  slotHoldsTree,
  slotVersion,
  type Slot,
  type UpdateSettings,
  updateSettings,
} from '../../src/update/update-settings.js';
import {
  readUpdateState,
  restoreUpdateState,
  writeUpdateState,
  type UpdateState,
} from '../../src/update/update-state.js';

/**
 * The longest the restart waits after aios-init's answer for aiosd to say it has answered its
 * client (control op `answered`): an aiosd that died or hung must not hold the update back.
 */
export const ANSWER_WAIT_MS = 5000;

/** aios-init's exit code, when not init, for "start the slot GRUB would boot next" (what a reboot does as init). */
export const UPDATE_RESTART_EXIT = 3;

export interface UpdateRequest {
  kind: 'update' | 'rollback';
  id: string;
  requestedBy: string;
  bundle?: string;
  allowDowngrade?: boolean;
}

export interface UpdateAccepted {
  id: string;
  kind: 'update' | 'rollback';
  from: { slot: Slot; version: string };
  to: { slot: Slot; version: string; commit: string | null };
  keyId: string | null;
}

export class UpdateCarrier {
  readonly settings: UpdateSettings;
  readonly slot: Slot | null;
  private readonly grub: GrubEnv;
  private busy = false;
  private readonly startedAt = Date.now();
  /** The accepted request whose restart waits for aiosd's `answered`, and the bound on that wait. */
  private awaiting: { id: string; timer: NodeJS.Timeout } | null = null;

  constructor(
    private readonly o: {
      env: NodeJS.ProcessEnv;
      /** dist/ of the running aios-init: which slot it is, when nothing else says. */
      codeDir: string;
      /** aiosd's socket, for the health check. */
      daemonSocket: string;
      log: (line: string) => void;
      /** Stop everything in order and boot again (as init: reboot). */
      restart: () => void;
      /** Tests: the upper bound on the wait for aiosd's `answered` (default ANSWER_WAIT_MS). */
      answerWaitMs?: number;
    },
  ) {
    this.settings = updateSettings(o.env);
    this.slot = bootedSlot(o.env, this.settings.slotsDir, o.codeDir);
    this.grub = new GrubEnv(this.settings.grubenv, this.settings.grubEditenv);
  }

  /** Why this node cannot update itself, or null. */
  unavailable(): string | null {
    if (this.slot === null)
      return `this aiOS does not run from an A/B slot under ${this.settings.slotsDir} (no aios.slot= on the kernel command line): only the disk image updates this way`;
    // grub-editenv reads a missing file as empty (and set would make one GRUB never reads).
    if (!existsSync(this.settings.grubenv))
      return `GRUB's environment block cannot be read: ${this.settings.grubenv} does not exist (a node installed to disk has one)`;
    try {
      this.grub.read();
    } catch (err) {
      return `GRUB's environment block cannot be read: ${(err as Error).message}`;
    }
    return null;
  }

  private running(): { slot: Slot; version: string } {
    const slot = this.slot as Slot;
    return { slot, version: slotVersion(this.settings.slotsDir, slot)?.version ?? VERSION };
  }

  async request(req: UpdateRequest): Promise<UpdateAccepted> {
    const why = this.unavailable();
    if (why !== null) throw new BundleRefused(why);
    const last = readUpdateState(this.settings.slotsDir);
    // At boot these phases become another, so seen now they are this boot's: a restart is coming.
    if (this.busy || last?.phase === 'installing' || last?.phase === 'switching')
      throw new BundleRefused(
        `${last?.kind ?? 'an update'} ${last?.id ?? ''} is being carried out: the node restarts into slot ${last?.to.slot ?? '?'} shortly`,
      );
    if (last?.phase === 'trying')
      throw new BundleRefused(
        `this slot is still on trial after ${last.kind} ${last.id}: wait for its health check to pass (aios update --status)`,
      );
    this.busy = true;
    try {
      return req.kind === 'rollback' ? this.rollback(req) : await this.update(req);
    } finally {
      this.busy = false;
    }
  }

  private async update(req: UpdateRequest): Promise<UpdateAccepted> {
    const { slotsDir, keysDir } = this.settings;
    const last = readUpdateState(slotsDir);
    const from = this.running();
    const target = otherSlot(from.slot);
    const { copy, verified } = receiveBundle(req.bundle ?? '', slotsDir, {
      keysDir,
      currentVersion: from.version,
      allowDowngrade: req.allowDowngrade === true,
    });
    const m = verified.manifest;
    const state: UpdateState = {
      id: req.id,
      kind: 'update',
      requestedBy: req.requestedBy,
      requestedAt: new Date().toISOString(),
      from,
      to: { slot: target, version: m.version, commit: m.commit },
      phase: 'installing',
      reason: null,
      finishedAt: null,
    };
    writeUpdateState(slotsDir, state);
    this.o.log(`update ${req.id}: installing aiOS ${m.version} (${m.commit.slice(0, 12)}) into slot ${target}`);
    try {
      await installSlot(copy, verified, slotsDir, target);
    } catch (err) {
      // Nothing was switched: the record of the last update is put back, and the caller told.
      restoreUpdateState(slotsDir, last);
      throw new BundleRefused(
        `the bundle could not be installed into slot ${target}: ${err instanceof Error ? err.message : String(err)}`,
      );
    } finally {
      rmSync(copy, { force: true });
    }
    this.switchTo(state, last);
    return { id: req.id, kind: 'update', from, to: state.to, keyId: verified.keyId };
  }

  private rollback(req: UpdateRequest): UpdateAccepted {
    const from = this.running();
    const target = otherSlot(from.slot);
    if (!slotHoldsTree(this.settings.slotsDir, target))
      throw new BundleRefused(`slot ${target} holds no aiOS to go back to`);
    const v = slotVersion(this.settings.slotsDir, target);
    const state: UpdateState = {
      id: req.id,
      kind: 'rollback',
      requestedBy: req.requestedBy,
      requestedAt: new Date().toISOString(),
      from,
      to: { slot: target, version: v?.version ?? 'unknown', commit: v?.commit ?? null },
      phase: 'installing',
      reason: null,
      finishedAt: null,
    };
    this.switchTo(state, readUpdateState(this.settings.slotsDir));
    return { id: req.id, kind: 'rollback', from, to: state.to, keyId: null };
  }

  /** aios_next = the new slot, on the disk, then a restart shortly after the answer went out. */
  private switchTo(state: UpdateState, last: UpdateState | null): void {
    syncDisks();
    try {
      this.grub.set({ aios_next: state.to.slot });
    } catch (err) {
      restoreUpdateState(this.settings.slotsDir, last);
      throw new BundleRefused(`${state.kind} not started: aios_next could not be set: ${(err as Error).message}`);
    }
    writeUpdateState(this.settings.slotsDir, { ...state, phase: 'switching' });
    syncDisks();
    this.o.log(`${state.kind} ${state.id}: aios_next=${state.to.slot}; restarting into it once aiosd has answered`);
    // The restart stops aiosd, which still has to record update.accepted (a synced ledger
    // commit) and answer the admin's CLI; it says `answered` when it has. A fixed wait was
    // either too short under QEMU TCG on a loaded host (the CLI got "aiosd connection lost" for
    // an update that went ahead) or idle time on every other node: the bound is only for an
    // aiosd that never says.
    const waitMs = this.o.answerWaitMs ?? ANSWER_WAIT_MS;
    const timer = setTimeout(() => {
      this.awaiting = null;
      this.o.log(
        `${state.kind} ${state.id}: aiosd did not say within ${waitMs / 1000} s that it answered its client; restarting anyway`,
      );
      this.o.restart();
    }, waitMs);
    timer.unref();
    this.awaiting = { id: state.id, timer };
  }

  /** aiosd has answered the client that asked for `id` (control op `answered`): restart now. */
  answered(id: string): void {
    const awaiting = this.awaiting;
    if (awaiting === null || awaiting.id !== id)
      throw new BundleRefused(
        awaiting === null
          ? `no update or rollback waits to restart (${id === '' ? 'no id given' : `not ${id}`})`
          : `${id === '' ? 'no id given' : id} is not the update that waits to restart (${awaiting.id} is)`,
      );
    clearTimeout(awaiting.timer);
    this.awaiting = null;
    this.o.log(`${id}: aiosd answered its client; restarting`);
    this.o.restart();
  }

  /** As the node boots, before anything else: how the last switch went, as far as this boot can tell. */
  atBoot(): void {
    const s = readUpdateState(this.settings.slotsDir);
    if (s === null || this.slot === null) return;
    const fail = (reason: string, failedIn: 'install' | 'boot' = 'boot'): void => {
      writeUpdateState(this.settings.slotsDir, {
        ...s,
        phase: 'failed',
        reason,
        failedIn,
        finishedAt: new Date().toISOString(),
      });
      this.o.log(`${s.kind} ${s.id} to ${s.to.version} failed: ${reason}; running slot ${this.slot}`);
    };
    if (s.phase === 'installing')
      fail(`the node stopped while slot ${s.to.slot} was being written; nothing was switched`, 'install');
    else if (s.phase === 'switching' && this.slot === s.to.slot) {
      writeUpdateState(this.settings.slotsDir, { ...s, phase: 'trying' });
      this.o.log(
        `${s.kind} ${s.id}: booted slot ${this.slot} on trial; the health check must pass within ${this.settings.healthDeadlineS} s`,
      );
    } else if (s.phase === 'switching')
      fail(`slot ${s.to.slot} did not start: its aios-init never ran (the node came back in slot ${this.slot})`);
    else if (s.phase === 'trying' && this.slot !== s.to.slot)
      fail(
        `slot ${s.to.slot} stopped before its health check finished (its aios-init or kernel died, and the node restarted into slot ${this.slot})`,
      );
  }

  /** On a trial boot, the health check; then the slot is kept or left. Resolves when decided. */
  async watchTrial(): Promise<void> {
    const s = readUpdateState(this.settings.slotsDir);
    if (s === null || s.phase !== 'trying' || this.slot !== s.to.slot) return;
    const reason = await healthCheck({
      socketPath: this.o.daemonSocket,
      slotDir: join(this.settings.slotsDir, this.slot),
      env: this.o.env,
      deadline: this.startedAt + this.settings.healthDeadlineS * 1000,
      log: this.o.log,
    });
    const finishedAt = new Date().toISOString();
    if (reason === null) {
      try {
        this.grub.set({ aios_active: this.slot });
        this.grub.unset('aios_next');
      } catch (err) {
        return this.leave(s, `the health check passed, but aios_active could not be set: ${(err as Error).message}`);
      }
      writeUpdateState(this.settings.slotsDir, { ...s, phase: 'succeeded', finishedAt });
      syncDisks();
      this.o.log(`${s.kind} ${s.id}: slot ${this.slot} passed its health check; aios_active=${this.slot}`);
      await this.tellDaemon();
      return;
    }
    this.leave(s, reason);
  }

  private leave(s: UpdateState, reason: string): void {
    writeUpdateState(this.settings.slotsDir, {
      ...s,
      phase: 'failed',
      reason,
      failedIn: 'health',
      finishedAt: new Date().toISOString(),
    });
    syncDisks();
    this.o.log(
      `${s.kind} ${s.id}: slot ${this.slot} failed its health check (${reason}); restarting into slot ${s.from.slot}`,
    );
    this.o.restart();
  }

  /** aiosd records the outcome in the ledger (from update.json, which only root writes). */
  private async tellDaemon(): Promise<void> {
    let client: AiosClient | null = null;
    try {
      client = await AiosClient.connect({
        socketPath: this.o.daemonSocket,
        clientName: 'aios-init',
        clientVersion: VERSION,
      });
      await client.call('update/report', {});
    } catch (err) {
      this.o.log(
        `update: aiosd did not record the outcome now (${(err as Error).message}); it will when it starts next`,
      );
    } finally {
      client?.close();
    }
  }
}

function syncDisks(): void {
  try {
    execFileSync('sync', { stdio: 'ignore', timeout: 30_000 });
  } catch {
    /* best effort: the renames and grubenv are written either way */
  }
}
