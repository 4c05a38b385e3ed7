// Brakes with real processes: a running goal cancelled mid-step leaves no process and no effect
// of the rest of its command (through a cgroup where the node has one, and through the process
// group otherwise); --after-step lets the running step finish and starts nothing more; aios agents
// stop cancels what is queued on an agent and stops what it runs. Every stop is in the ledger.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/agents/approval-policy.js';
import { agentCapabilities } from '../../src/agents/agent-roster.js';
import { GoalEngine } from '../../src/agents/goal-engine.js';
import { AgentMesh } from '../../src/agents/mesh/agent-mesh.js';
import { AuditLedger } from '../../src/memory/audit-ledger.js';
import { openDatabase, type Db } from '../../src/memory/database.js';
import { ExecJournal } from '../../src/memory/exec-journal.js';
import { GoalStore } from '../../src/memory/goal-store.js';
import { MemoryStore } from '../../src/memory/memory-store.js';
import type { GoalView, PlanView } from '../../src/protocol/model.js';
import { createBuiltinRegistry } from '../../src/tools/builtin-tools.js';
import { liveStat, stepCgroupBase } from '../../src/tools/process-tree.js';
import { SnapshotStore } from '../../src/recovery/snapshot-store.js';
import { scripted } from '../policy/rig.js';
import { eventually } from '../helpers/until.js';

interface Rig {
  dir: string;
  db: Db;
  engine: GoalEngine;
  mesh: AgentMesh;
  ledger: AuditLedger;
  journal: ExecJournal;
  admin: Actor;
  dispose: () => Promise<void>;
}

let r: Rig | undefined;
afterEach(async () => {
  await r?.dispose();
  r = undefined;
  delete process.env.AIOS_STEP_CGROUPS;
});

/** One agent, "system", that runs one step at a time, so a second goal's step waits in its queue. */
function rig(): Rig {
  const dir = mkdtempSync(join(tmpdir(), 'aios-brakes-'));
  const db = openDatabase(join(dir, 'aios.db'));
  const ledger = new AuditLedger(db);
  const journal = new ExecJournal(db);
  const mesh = new AgentMesh({
    agents: [{ name: 'system', domain: 'commands', capabilities: agentCapabilities.system ?? [], concurrency: 1 }],
    emit: () => undefined,
    log: () => undefined,
  });
  const engine = new GoalEngine({
    store: new GoalStore(db),
    planner: scripted('local', []),
    registry: createBuiltinRegistry({ timeoutMs: 60_000, outputCapBytes: 1 << 20 }),
    snapshots: new SnapshotStore(db, join(dir, 'snapshots')),
    ledger,
    memory: new MemoryStore(db),
    emit: () => undefined,
    securityMode: () => 'normal',
    mesh,
    journal,
  });
  return {
    dir,
    db,
    engine,
    mesh,
    ledger,
    journal,
    admin: { uid: 0, gid: 0, groups: [], name: 'root', role: 'admin', home: dir },
    dispose: async () => {
      await engine.idle();
      mesh.stop();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Submits shell.exec steps (run in order) and approves them. */
async function run(rg: Rig, commands: string[]): Promise<GoalView> {
  const planner = scripted(
    'local',
    commands.map((command, i) => ({
      id: `s${i + 1}`,
      agent: 'system',
      tool: 'shell.exec',
      args: { command },
      rationale: 'test',
    })),
  );
  const goal = await rg.engine.submit('run the commands', rg.admin, planner);
  const plan = goal.plan as PlanView;
  expect(goal.state, goal.message ?? '').toBe('awaiting_approval');
  return rg.engine.decide(plan.id, plan.hash, 'approve', undefined, rg.admin, true);
}

const stepOf = (rg: Rig, goalId: string, id: string) => rg.engine.get(goalId).plan?.steps.find((s) => s.id === id);
const lines = (file: string): string[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];

/** Every process whose command line holds `marker`. */
function withMarker(marker: string): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker) && liveStat(Number(pid)) !== null;
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function cancelMidStep(rg: Rig, marker: string): Promise<{ goal: GoalView; file: string; pids: number[] }> {
  const file = join(rg.dir, 'F');
  // setsid: a descendant that leaves the process group (only the cgroup reaches it).
  const goal = await run(rg, [`setsid sleep ${marker} & sleep 15; echo tail >> ${file}`]);
  await eventually(
    'the step to start its program',
    () => (rg.journal.latest(goal.plan?.id ?? '', 's1')?.processes.length ?? 0) >= 1,
    10_000,
  );
  await new Promise((res) => setTimeout(res, 3000));
  const pids = (rg.journal.latest(goal.plan?.id ?? '', 's1')?.processes ?? []).map((p) => p.pid);
  const during = rg.engine.cancel(goal.id, rg.admin);
  expect(during.message).toMatch(/cancelled by root/);
  await rg.engine.idle();
  return { goal: rg.engine.get(goal.id), file, pids };
}

describe('goal/cancel stops a running goal, its processes with it', () => {
  it('ends a 15-second shell.exec after 3 s: no process left (cgroup), no effect of its tail, the goal cancelled', async () => {
    r = rig();
    const cgroup = stepCgroupBase().path;
    const marker = '31.7';
    const began = Date.now();
    const { goal, file, pids } = await cancelMidStep(r, marker);
    expect(Date.now() - began).toBeLessThan(14_000);
    expect(goal.state).toBe('cancelled');
    expect(goal.message).toMatch(/cancelled by root: nothing had finished; stopped s1 \(its processes were ended\)/);
    expect(stepOf(r, goal.id, 's1')).toMatchObject({
      state: 'cancelled',
      error: expect.stringMatching(/stopped by root.*processes were ended \(SIGTERM/),
    });
    for (const pid of pids) expect(liveStat(pid)).toBeNull();
    const entry = r.journal.latest(goal.plan?.id ?? '', 's1');
    expect(entry).toMatchObject({ outcome: 'cancelled' });
    if (cgroup !== null) {
      expect(entry?.cgroup).toMatch(new RegExp(`^${cgroup}/`));
      expect(existsSync(entry?.cgroup ?? '/nonexistent')).toBe(false); // removed once empty
      expect(withMarker(`sleep ${marker}`)).toEqual([]); // the setsid'd sleep too
    }
    await new Promise((res) => setTimeout(res, 500));
    expect(lines(file)).toEqual([]);
    expect(r.ledger.lastEntry('goal.cancel', goal.id)).toMatchObject({
      actor: 'root',
      detail: { state: 'running', afterStep: false, stopping: ['s1'] },
    });
    expect(r.ledger.lastEntry('step.stopped', `${goal.plan?.id ?? ''}/s1`)?.detail).toMatchObject({
      why: expect.stringMatching(/stopped by root/),
    });
  }, 30_000);

  it('without a cgroup, ends the process group (SIGTERM, then SIGKILL)', async () => {
    process.env.AIOS_STEP_CGROUPS = join(tmpdir(), 'not-a-cgroup'); // a plain directory: no cgroup.kill
    r = rig();
    expect(stepCgroupBase().path).toBeNull();
    const { goal, file, pids } = await cancelMidStep(r, '32.3');
    expect(goal.state).toBe('cancelled');
    expect(r.journal.latest(goal.plan?.id ?? '', 's1')?.cgroup).toBeNull();
    for (const pid of pids) expect(liveStat(pid)).toBeNull();
    expect(withMarker('sleep 15')).toEqual([]);
    // A descendant that called setsid left the group: only a cgroup reaches it.
    for (const pid of withMarker('sleep 32.3')) process.kill(pid, 'SIGKILL');
    expect(lines(file)).toEqual([]);
  }, 30_000);

  it('--after-step lets the running step finish and starts nothing more', async () => {
    r = rig();
    const file = join(r.dir, 'F');
    const goal = await run(r, [`sleep 2; echo one >> ${file}`, `echo two >> ${file}`]);
    await eventually('s1 to run', () => stepOf(r as Rig, goal.id, 's1')?.state === 'running', 10_000);
    const during = r.engine.cancel(goal.id, r.admin, { afterStep: true });
    expect(during.message).toMatch(/the running step finishes, nothing more starts/);
    await r.engine.idle();
    const after = r.engine.get(goal.id);
    expect(lines(file)).toEqual(['one']);
    expect(after.state).toBe('cancelled');
    expect(after.message).toMatch(/cancelled by root after the running step: ran s1; never started s2/);
    expect(stepOf(r, goal.id, 's2')).toMatchObject({
      state: 'skipped',
      error: 'never started: the goal was cancelled by root',
    });
    expect(r.ledger.lastEntry('goal.cancel', goal.id)?.detail).toMatchObject({ afterStep: true });
  }, 30_000);

  it("cancels a goal whose approved step waits in its agent's queue: taken off it, never started", async () => {
    r = rig();
    const file = join(r.dir, 'F');
    const a = await run(r, [`sleep 20; echo a >> ${file}`]);
    const b = await run(r, [`echo b >> ${file}`]);
    await eventually('a to run', () => stepOf(r as Rig, a.id, 's1')?.state === 'running', 10_000);
    r.engine.cancel(b.id, r.admin);
    await eventually('b to end cancelled', () => (r as Rig).engine.get(b.id).state === 'cancelled', 5000);
    expect(stepOf(r, b.id, 's1')).toMatchObject({
      state: 'skipped',
      error: 'never started: the goal was cancelled by root',
    });
    expect(r.ledger.lastEntry('goal.cancel', b.id)?.detail).toMatchObject({ dequeued: [`${b.id}/s1`] });
    expect(stepOf(r, a.id, 's1')?.state).toBe('running');
    r.engine.cancel(a.id, r.admin);
    await r.engine.idle();
    expect(lines(file)).toEqual([]);
  }, 30_000);

  it('cancels a goal whose plan awaits approval: nothing runs', async () => {
    r = rig();
    const planner = scripted('local', [
      { id: 's1', agent: 'system', tool: 'shell.exec', args: { command: 'true' }, rationale: 'test' },
    ]);
    const goal = await r.engine.submit('run it', r.admin, planner);
    const after = r.engine.cancel(goal.id, r.admin);
    expect(after.state).toBe('cancelled');
    expect(after.plan?.steps[0]).toMatchObject({ state: 'skipped' });
  });
});

describe('aios agents stop', () => {
  it('stops the running step, cancels the queued ones, and the agent takes work again (or not, with hold)', async () => {
    r = rig();
    const file = join(r.dir, 'F');
    const a = await run(r, [`sleep 20; echo a >> ${file}`]);
    const b = await run(r, [`echo b >> ${file}`]);
    await eventually('a to run', () => stepOf(r as Rig, a.id, 's1')?.state === 'running', 10_000);
    expect(r.mesh.list()[0]?.queued).toBe(1);
    const stopped = r.engine.stopAgent('system', r.admin, false);
    expect(stopped).toEqual({ agent: 'system', stopped: [`${a.id}/s1`], cancelled: [`${b.id}/s1`], held: false });
    await r.engine.idle();
    expect(stepOf(r, a.id, 's1')?.state).toBe('cancelled');
    expect(stepOf(r, b.id, 's1')).toMatchObject({
      state: 'skipped',
      error: 'never started: agent system was stopped by root',
    });
    expect(lines(file)).toEqual([]);
    expect(r.ledger.lastEntry('agents.stop', 'system')).toMatchObject({ actor: 'root', detail: { hold: false } });

    const c = await run(r, [`echo c >> ${file}`]);
    await r.engine.idle();
    expect(r.engine.get(c.id).state).toBe('succeeded');

    r.engine.stopAgent('system', r.admin, true);
    const d = await run(r, [`echo d >> ${file}`]);
    await r.engine.idle();
    expect(stepOf(r, d.id, 's1')?.error).toMatch(/agent system takes no work: held by root/);
    r.engine.startAgent('system', r.admin);
    const e = await run(r, [`echo e >> ${file}`]);
    await r.engine.idle();
    expect(r.engine.get(e.id).state).toBe('succeeded');
    expect(lines(file)).toEqual(['c', 'e']);
  }, 40_000);
});
