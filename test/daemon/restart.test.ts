// kill -9 of the daemon in the middle of a step: on restart the goal is interrupted, what
// finished is kept, the ledger is whole, and the step cut off is an outcome unknown: resume does
// not run it again (the command ran at most once), its processes that outlived aiosd are adopted
// and their end recorded, and running it again takes an approval that says it may have run.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AiosClient } from '../../src/protocol/client.js';
import type { GoalView } from '../../src/protocol/model.js';
import {
  cutStepCommand,
  expectNoRerunWithoutConfirm,
  expectOutcomeUnknown,
  type CutStepDaemon,
} from '../helpers/cut-step.js';
import { disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/until.js';
import { waitForGoal } from '../helpers/wait.js';
import { openDatabase } from '../../src/memory/database.js';
import { ExecJournal, type JournalEntry } from '../../src/memory/exec-journal.js';

let d: TestDaemon | undefined;
afterEach(async () => {
  await disposeTestDaemon(d);
  d = undefined;
});

const lines = (file: string): string[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];

/** Submits `!command`, approves it, waits until its program runs, and kill -9s aiosd. */
async function killMidStep(daemon: TestDaemon, command: string): Promise<GoalView> {
  const c = await daemon.client();
  const goal = await c.call('goal/submit', { text: `!${command}` });
  const plan = goal.plan;
  if (plan === null) throw new Error(`no plan: ${goal.message ?? ''}`);
  await c.call('plan/decide', { planId: plan.id, planHash: plan.hash, decision: 'approve', confirm: true });
  await eventually(
    'the step to run',
    async () => (await c.call('goal/get', { goalId: goal.id })).plan?.steps[0]?.state === 'running',
    10_000,
  );
  // Its program is spawned and journalled (the start recorded with its processes) before the kill.
  await eventually(
    "the step's start in the execution journal",
    () => openSteps(daemon).some((e) => e.processes.length > 0),
    10_000,
  );
  c.close();
  const exited = new Promise((r) => daemon.proc.once('exit', r));
  daemon.proc.kill('SIGKILL');
  await exited;
  return goal;
}

/** The execution journal's steps that started and have no recorded end, read beside the running aiosd. */
function openSteps(daemon: TestDaemon): JournalEntry[] {
  const db = openDatabase(join(daemon.stateDir, 'aios.db'), { readOnly: true });
  try {
    return new ExecJournal(db).open();
  } finally {
    db.close();
  }
}

/** The helper's view of a local aiosd; the command's effects are the lines of `file`. */
function cutStepDaemon(c: AiosClient, file: string): CutStepDaemon {
  return {
    call: (method, params) => c.call(method, params),
    effects: () => Promise.resolve(lines(file)),
    ended: (goalId) => waitForGoal(c, goalId, 20_000),
  };
}

async function stepOf(c: AiosClient, goalId: string): Promise<GoalView['plan']> {
  return (await c.call('goal/get', { goalId })).plan;
}

describe('daemon restart mid-goal', () => {
  it('marks the goal interrupted and the step outcome unknown; resume does not run it again; the command ran once', async () => {
    // In the write sandbox the command would die with aiosd (bubblewrap's --die-with-parent); what
    // is adopted after a restart is a program run without it (here: no bubblewrap, an admin confirms).
    d = await startTestDaemon({ env: { AIOS_SANDBOX_BWRAP: '/nonexistent/bwrap' } });
    const file = join(d.dir, 'F');
    // It waits for F.go, so it surely outlives aiosd however slow the machine is; F.go is made once it was adopted.
    const goal = await killMidStep(d, cutStepCommand(file));
    await d.restart();
    const c = await d.client();
    const after = await expectOutcomeUnknown(cutStepDaemon(c, file), goal.id);
    expect((await c.call('audit/verify', {})).ok).toBe(true);

    // Its program outlived aiosd: adopted, watched until it ends, and that end recorded.
    expect(after.plan?.steps[0]?.output).toMatch(
      /aiosd restarted while this step ran; its processes \(\d+.*\) still run/,
    );
    await expect(c.call('goal/resume', { goalId: goal.id })).rejects.toThrow(
      /still runs: its processes outlived the last aiosd/,
    );
    writeFileSync(`${file}.go`, '');
    await eventually(
      'the adopted program to end',
      async () =>
        /ended at .* while aiosd was away from it.*exit status is unknown/.test(
          (await stepOf(c, goal.id))?.steps[0]?.output ?? '',
        ),
      20_000,
    );
    expect(lines(file)).toEqual(['ran']);

    // Nothing that never started is left: resume says so, and how to run the unknown step again.
    await expectNoRerunWithoutConfirm(cutStepDaemon(c, file), goal.id);
    c.close();
  }, 60_000);

  it('a step whose processes were gone at the restart is outcome unknown, ended while aiosd was away', async () => {
    d = await startTestDaemon();
    const file = join(d.dir, 'G');
    const goal = await killMidStep(d, `sleep 30; echo ran >> ${file}`);
    // What aios-init's supervisor does before it starts aiosd again: the step's processes are ended.
    const { liveStat } = await import('../../src/tools/process-tree.js');
    const open = openSteps(d);
    expect(open).toHaveLength(1);
    for (const p of open[0]?.processes ?? []) {
      try {
        process.kill(-p.pgid, 'SIGKILL');
      } catch (err) {
        // Already gone: the sandbox (--die-with-parent) may have ended it with aiosd.
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    }
    const cgroup = open[0]?.cgroup ?? null;
    if (cgroup !== null) writeFileSync(join(cgroup, 'cgroup.kill'), '1');
    await eventually(
      "the step's processes to go",
      () => (open[0]?.processes ?? []).every((p) => liveStat(p.pid) === null),
      5000,
    );

    await d.restart();
    const c = await d.client();
    const after = await c.call('goal/get', { goalId: goal.id });
    expect(after.state).toBe('interrupted');
    expect(after.plan?.steps[0]?.state).toBe('outcome_unknown');
    const db2 = openDatabase(join(d.stateDir, 'aios.db'));
    expect(new ExecJournal(db2).latest(after.plan?.id ?? '', 's1')).toMatchObject({
      outcome: 'unknown',
      detail: expect.stringMatching(/nothing of it was running at the restart/),
    });
    db2.close();
    const cancelled = await c.call('goal/cancel', { goalId: goal.id });
    expect(cancelled.state).toBe('cancelled');
    expect(lines(file)).toEqual([]);
    c.close();
  }, 60_000);
});
