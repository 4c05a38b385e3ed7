// Where the sandbox cannot start, aiOS says so (at start, in `aios status`, in the plan) and
// falls back to the stricter policy: a read-only command line, which would have run confined,
// now needs an admin's explicit confirmation and is never approved by any autonomy level; a
// writing one needs the same, its preview saying that what it changes outside its declared
// files will not be rolled back.
// The sandbox is made unavailable for real: the daemon is pointed at a bwrap that is not there.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { autoApprovalPolicy } from '../../src/agents/approval-policy.js';
import { createPolicy } from '../../src/agents/plan-policy.js';
import { BWRAP_ENV, probeSandbox } from '../../src/sandbox/bubblewrap.js';
import { UNCONFINED_WRITES, UNSANDBOXED } from '../../src/policy/policy-engine.js';
import { aiosBin, disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { judge } from '../policy/helpers.js';
import { waitForGoal } from '../helpers/wait.js';

const MISSING = '/nonexistent/aios-test/bwrap';

let d: TestDaemon | undefined;
afterEach(async () => {
  await disposeTestDaemon(d);
  d = undefined;
});

describe('the policy without a sandbox', () => {
  it('a bwrap named but missing is reported as such', () => {
    const p = probeSandbox({ [BWRAP_ENV]: MISSING });
    expect(p.available).toBe(false);
    expect(p.reason).toContain(MISSING);
  });

  it('a read-only command needs an admin and a confirmation, and no autonomy level approves it', async () => {
    const strict = createPolicy({ mode: () => 'normal', sandboxed: () => false });
    const usual = createPolicy({ mode: () => 'normal', sandboxed: () => true });
    try {
      const without = await judge(strict, 'cat /etc/hostname');
      const within = await judge(usual, 'cat /etc/hostname');
      expect(within.decision).toBe('allow');
      expect(within.unsandboxed).toBeUndefined();
      expect(without.decision).toBe('confirm');
      expect(without.reasons.join()).toContain(UNSANDBOXED);
      expect(without.adminReasons).toContain(UNSANDBOXED);
      expect(without.unsandboxed).toBe(true);
      const step = { tool: 'shell.exec', risk: 'low', reversible: true };
      for (const level of ['manual', 'supervised', 'full'] as const) {
        // Even a verdict otherwise marked to run alone, on the allowlist, at full autonomy.
        expect(
          autoApprovalPolicy(
            'trusted',
            [{ ...without, decision: 'allow', autoApprove: true, adminReasons: [] }],
            [step],
            { level, allow: ['shell.exec'] },
          ),
        ).toBeNull();
      }
      // A command that writes is confined to its declared files only inside the sandbox: without
      // it, it needs an admin who confirms that what it changes elsewhere will not be rolled back.
      const writes = await judge(strict, 'touch /tmp/aios-fallback-x');
      expect(writes.unsandboxed).toBeUndefined();
      expect(writes.decision).toBe('confirm');
      expect(writes.reasons.join()).toContain(UNCONFINED_WRITES);
      expect(writes.adminReasons).toContain(UNCONFINED_WRITES);
      const confined = await judge(usual, 'touch /tmp/aios-fallback-x');
      expect(confined.adminReasons).not.toContain(UNCONFINED_WRITES);
    } finally {
      await strict.close();
      await usual.close();
    }
  });
});

describe('a daemon whose sandbox cannot start', () => {
  it('says so at start and in status; the plan says unsandboxed; it runs only when an admin confirms it', async () => {
    d = await startTestDaemon({ env: { [BWRAP_ENV]: MISSING, AIOS_AUTONOMY_LEVEL: 'full' } });
    writeFileSync(join(d.dir, 'config.toml'), '[system]\nautonomy_allow = ["shell.exec"]\n');
    await d.restart();
    expect(d.log()).toMatch(/sandbox UNAVAILABLE: bubblewrap not found at \/nonexistent/);
    const status = spawnSync(process.execPath, [aiosBin, 'status'], { env: d.env, encoding: 'utf8' });
    expect(status.stdout).toMatch(/degraded/);
    expect(status.stdout).toMatch(/sandbox unavailable: bubblewrap not found/);

    const c = await d.client();
    const goal = await c.call('goal/submit', { text: `!ls -A ${d.stateDir}` });
    // Full autonomy with shell.exec on the allowlist, and still it waits for a person.
    expect(goal.state).toBe('awaiting_approval');
    const plan = goal.plan;
    if (plan === null) throw new Error(goal.message ?? 'no plan');
    expect(plan.steps[0]?.preview.summary).toMatch(/UNSANDBOXED/);
    await expect(c.call('plan/decide', { planId: plan.id, planHash: plan.hash, decision: 'approve' })).rejects.toThrow(
      /explicit confirmation.*UNSANDBOXED|UNSANDBOXED.*confirm/,
    );
    expect((await c.call('goal/get', { goalId: goal.id })).state).toBe('awaiting_approval');
    await c.call('plan/decide', { planId: plan.id, planHash: plan.hash, decision: 'approve', confirm: true });
    const done = await waitForGoal(c, goal.id);
    expect(done.state).toBe('succeeded');
    // It really ran outside the sandbox: the state dir, hidden inside it, is visible.
    expect(done.plan?.steps[0]?.output).toMatch(/aios\.db/);
    c.close();
  }, 30_000);
});
