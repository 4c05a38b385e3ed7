// [security] auto_patch: once per window, the package index is refreshed, the upgrades the mode
// allows are chosen, and one goal (actor `patch`) upgrades exactly those, after a snapshot that
// keeps the installed .debs, then verifies (check commands, services that were active). If
// anything fails, the goal is rolled back at once by the same actor: the kept .debs are
// reinstalled, so the rollback needs no mirror. Every run is in the ledger (patch.run, then
// patch.rollback when it comes to that), the goal's own approvals and steps around it.
import type { AuditLedger } from '../../memory/audit-ledger.js';
import { DEFAULT_WINDOW, parseWindow, type AutoPatchMode, type Window } from '../../config/patch-schema.js';
import type { PatchRunView, PatchStatus } from '../../protocol/patch.js';
import { runApt, simulate } from '../../tools/apt.js';
import { NODE_ROOT, rootNote } from '../../tools/package-root.js';
import type { ToolRegistry } from '../../tools/registry.js';
import type { Actor } from '../approval-policy.js';
import type { GoalEngine } from '../goal-engine.js';
import { OpError } from '../op-error.js';
import { chooseUpgrades, describeUpgrade, patchSteps } from './patch-plan.js';
import { nextWindowAt, windowStartAt } from './patch-window.js';

export interface AutoPatcherOptions {
  engine: Pick<GoalEngine, 'submit' | 'settled' | 'rollback'>;
  registry: ToolRegistry;
  ledger: AuditLedger;
  mode: AutoPatchMode;
  window?: string;
  checks?: readonly string[];
  root?: string;
  /** The services active now (none where the package root is not the node, or no manager answers). */
  activeServices: () => Promise<string[]>;
  actor: Actor;
  log: (line: string) => void;
  now?: () => Date;
}

const CHECK_EVERY_MS = 30_000;

export class AutoPatcher {
  private readonly window: Window;
  private readonly root: string;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<PatchRunView> | null = null;
  private last: PatchRunView | null = null;
  /** The start of the window a run last started in: one run per window. */
  private lastWindow: number | null = null;

  constructor(private readonly o: AutoPatcherOptions) {
    const w = parseWindow(o.window ?? DEFAULT_WINDOW);
    if (typeof w === 'string') throw new Error(`auto_patch_window: ${w}`);
    this.window = w;
    this.root = o.root ?? NODE_ROOT;
    this.now = o.now ?? (() => new Date());
  }

  start(): void {
    if (this.o.mode === 'off' || this.timer !== null) return;
    this.o.log(
      `auto_patch ${this.o.mode}${rootNote(this.root)}: runs in the window ${this.o.window ?? DEFAULT_WINDOW} (local time)`,
    );
    this.timer = setInterval(() => this.tick(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  status(): PatchStatus {
    return {
      mode: this.o.mode,
      window: this.o.window ?? DEFAULT_WINDOW,
      root: this.root,
      running: this.running !== null,
      nextAt: this.o.mode === 'off' ? null : new Date(nextWindowAt(this.window, this.now())).toISOString(),
      last: this.last,
    };
  }

  /** Starts a run when the window is open and none ran in it yet; public so a test need not wait. */
  tick(): void {
    if (this.o.mode === 'off' || this.running !== null) return;
    const start = windowStartAt(this.window, this.now());
    if (start === null || start === this.lastWindow) return;
    this.lastWindow = start;
    void this.run('the window').catch((err: unknown) => this.o.log(`auto_patch: run failed: ${String(err)}`));
  }

  /** One run now (the window's, or an admin's `aios patch run`); a run already under way is joined. */
  run(by: string): Promise<PatchRunView> {
    if (this.o.mode === 'off')
      return Promise.reject(
        new OpError('Conflict', 'patching is off: set [security] auto_patch = "security" or "all" in config.toml'),
      );
    this.running ??= this.runOnce(this.o.mode, by).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runOnce(mode: 'security' | 'all', by: string): Promise<PatchRunView> {
    const at = this.now().toISOString();
    const finish = (view: Omit<PatchRunView, 'at' | 'mode'>): PatchRunView => {
      const run: PatchRunView = { at, mode, ...view };
      this.last = run;
      this.o.ledger.append({
        actor: 'patch',
        action: 'patch.run',
        subject: run.goalId ?? 'packages',
        detail: { mode, root: this.root, by, outcome: run.outcome, packages: run.packages, message: run.message },
      });
      this.o.log(`auto_patch: ${run.outcome}: ${run.message}`);
      return run;
    };
    // A stale index would offer nothing, or versions the mirror no longer has.
    const refresh = await runApt(['apt-get', 'update'], {}, this.root);
    if (!refresh.started || refresh.exitCode !== 0)
      return finish({
        goalId: null,
        outcome: 'failed',
        packages: [],
        message: `apt-get update failed${rootNote(this.root)}: ${refresh.started ? refresh.stderr.trim().slice(-300) : refresh.error}; nothing was changed`,
      });
    const sim = await simulate(['apt-get', 'upgrade', '-y'], this.root);
    if (!sim.ok)
      return finish({
        goalId: null,
        outcome: 'failed',
        packages: [],
        message: `apt cannot plan the upgrade: ${sim.error}`,
      });
    const upgrades = chooseUpgrades(sim.changes, mode);
    const packages = upgrades.map(describeUpgrade);
    if (upgrades.length === 0)
      return finish({
        goalId: null,
        outcome: 'nothing',
        packages,
        message: `no ${mode === 'security' ? 'security ' : ''}updates to apply${sim.changes.length > 0 ? ` (${sim.changes.length} other change${sim.changes.length === 1 ? '' : 's'} left for a person)` : ''}`,
      });
    const services = this.root === NODE_ROOT ? await this.o.activeServices().catch(() => []) : [];
    const steps = patchSteps(
      { mode, upgrades, checks: this.o.checks ?? [], services, root: this.root },
      this.o.registry,
    );
    const text = `auto_patch (${mode}): upgrade ${packages.join(', ')}`;
    const submitted = await this.o.engine
      .submit(
        text,
        this.o.actor,
        {
          tier: 'direct',
          plan: () =>
            Promise.resolve({
              kind: 'plan',
              tier: 'direct',
              steps,
              explanation: `${mode} updates from [security] auto_patch, verified by ${steps.length - 1} check${steps.length === 2 ? '' : 's'}, rolled back if one fails`,
            }),
        },
        { approver: `policy:auto_patch(${mode})` },
      )
      .catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    if (submitted instanceof Error)
      return finish({
        goalId: null,
        outcome: 'failed',
        packages,
        message: `the run's goal could not be made: ${submitted.message}`,
      });
    const goal = submitted;
    const ended = await this.o.engine.settled(goal.id);
    if (ended.state === 'succeeded')
      return finish({
        goalId: goal.id,
        outcome: 'upgraded',
        packages,
        message: `upgraded and verified: ${packages.join(', ')}`,
      });
    if (ended.state !== 'failed' && ended.state !== 'cancelled' && ended.state !== 'interrupted')
      return finish({
        goalId: goal.id,
        outcome: ended.state === 'awaiting_approval' ? 'waiting' : 'failed',
        packages,
        message: `the run's goal is ${ended.state.replace(/_/g, ' ')}: ${ended.message ?? ''}`,
      });
    const why = (ended.plan?.steps ?? [])
      .filter((s) => s.state === 'failed')
      .map((s) => `${s.id} (${s.tool}): ${s.error ?? 'failed'}`)
      .join('; ');
    if (!(ended.plan?.steps ?? []).some((s) => s.snapshotId !== null))
      return finish({
        goalId: goal.id,
        outcome: 'failed',
        packages,
        message: `${why || ended.state}; nothing was changed`,
      });
    // The verification (or the upgrade itself) failed: back to the packages as they were, at once.
    const back = await this.o.engine.rollback(goal.id, this.o.actor).catch((err: unknown) => err);
    const message = back instanceof Error ? back.message : ((back as { message: string | null }).message ?? '');
    const ok = !(back instanceof Error) && !/NOT brought back/.test(message);
    this.o.ledger.append({
      actor: 'patch',
      action: 'patch.rollback',
      subject: goal.id,
      detail: { why, ok, result: message },
    });
    return finish({
      goalId: goal.id,
      outcome: ok ? 'rolled_back' : 'failed',
      packages,
      message: ok ? `rolled back after ${why}` : `${why}; the rollback did not finish: ${message}`,
    });
  }
}
