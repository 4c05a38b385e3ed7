// kill -9 while a step's snapshot is being written: the daemon is frozen at a failpoint after
// the blobs are written and before any row names them, then killed. On restart the goal is
// interrupted, the step never ran (its file is as it was), no half snapshot is listed, earlier
// snapshots still restore, the ledger verifies, and the next goal snapshots and runs normally.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { AiosClient } from '../../src/protocol/client.js';
import { aiosBin, disposeTestDaemon, repoRoot, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitForGoal } from '../helpers/wait.js';

let d: TestDaemon | undefined;
afterEach(async () => {
  await disposeTestDaemon(d);
  d = undefined;
});

const failpointDaemon = join(repoRoot, 'test', 'helpers', 'failpoint-daemon.mjs');

async function approve(c: AiosClient, text: string): Promise<string> {
  const goal = await c.call('goal/submit', { text });
  if (goal.plan === null) throw new Error(`no plan for "${text}": ${goal.message ?? ''}`);
  await c.call('plan/decide', { planId: goal.plan.id, planHash: goal.plan.hash, decision: 'approve', confirm: true });
  return goal.id;
}

describe('kill -9 during a snapshot', () => {
  it('leaves no half snapshot; the goal is interrupted with its step not run; the store goes on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aios-snapcrash-'));
    const marker = join(dir, 'frozen');
    const earlier = join(dir, 'earlier.txt');
    const target = join(dir, 'target.txt');
    writeFileSync(earlier, 'earlier\n');
    writeFileSync(target, 'before\n');
    // Frozen at the first save of a step's snapshot (not the manual one, nor the scheduled /etc one).
    d = await startTestDaemon({ dir, argv: [failpointDaemon, 'snapshot.save.step:1', marker] });
    let c = await d.client();
    const manual = await c.call('snapshot/create', { paths: [earlier] });
    const goal0 = await c.call('goal/submit', { text: `create a file ${target} containing after` });
    if (goal0.plan === null) throw new Error(goal0.message ?? 'no plan');
    const goalId = goal0.id;
    // The daemon freezes at the step's snapshot, just after it answers this approval (the step
    // waits for the owner's write check first), or while it handles it.
    const deciding = c
      .call('plan/decide', { planId: goal0.plan.id, planHash: goal0.plan.hash, decision: 'approve', confirm: true })
      .then(
        () => 'returned',
        () => 'connection lost',
      );
    for (let i = 0; i < 400; i++) {
      if (
        (() => {
          try {
            readFileSync(marker);
            return true;
          } catch {
            return false;
          }
        })()
      )
        break;
      await sleep(25);
    }
    expect(readFileSync(marker, 'utf8')).toMatch(/^snapshot\.save\.step:1/);
    const exited = new Promise((r) => d?.proc.once('exit', r));
    d.proc.kill('SIGKILL');
    await exited;
    expect(['returned', 'connection lost']).toContain(await deciding);
    c.close();
    d.argv = [aiosBin, 'daemon'];
    await d.restart();

    c = await d.client();
    const goal = await c.call('goal/get', { goalId });
    expect(goal.state).toBe('interrupted');
    // Its tool never started (no start in the execution journal): it is approved still, for resume.
    expect(goal.plan?.steps[0]?.state).toBe('approved');
    expect(readFileSync(target, 'utf8')).toBe('before\n');
    const listed = (await c.call('snapshot/list', { limit: 100 })).snapshots;
    expect(listed.map((s) => s.id)).toEqual([manual.snapshot.id]);
    expect((await c.call('audit/verify', {})).ok).toBe(true);

    // The earlier snapshot still restores, byte for byte.
    writeFileSync(earlier, 'changed\n');
    await c.call('snapshot/restore', { snapshotId: manual.snapshot.id });
    expect(readFileSync(earlier, 'utf8')).toBe('earlier\n');

    // And the store takes the next step's snapshot as usual, and that step runs and rolls back.
    const next = await approve(c, `create a file ${target} containing again`);
    expect((await waitForGoal(c, next)).state).toBe('succeeded');
    expect(readFileSync(target, 'utf8')).toBe('again\n');
    await c.call('goal/rollback', { goalId: next });
    expect(readFileSync(target, 'utf8')).toBe('before\n');
    c.close();
  }, 60_000);
});
