// Evidence that survives, on a real aiosd: rows cut from the ledger's tail after a kill -9
// (with or without the checkpoint rows) are found at the next start and at every start after
// it, changes are refused until an admin acknowledges, and read-only goals still run; a
// rehash from entry K is reported at K; a second aiosd on the same state directory refuses to
// start, naming the first one's pid; SIGTERM ends aiosd within a bound; a database deleted
// under a running aiosd is noticed and new goals are refused.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { AiosClient } from '../../src/protocol/client.js';
import { aiosBin, disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { rehashFrom } from '../helpers/ledger-tamper.js';
import { eventually } from '../helpers/until.js';
import { waitForGoal } from '../helpers/wait.js';

let d: TestDaemon | undefined;
afterEach(async () => {
  await disposeTestDaemon(d);
  d = undefined;
});

/** A read-only step, approved and run: a few audit entries each time. */
async function readGoal(c: AiosClient, path: string): Promise<string> {
  const goal = await c.call('tool/plan', { tool: 'fs.read', args: { path } });
  const plan = goal.plan;
  if (plan === null) throw new Error(`no plan: ${goal.message ?? ''}`);
  if (goal.state === 'awaiting_approval')
    await c.call('plan/decide', { planId: plan.id, planHash: plan.hash, decision: 'approve' });
  return (await waitForGoal(c, goal.id)).state;
}

/** A change, planned and approved; what the approval said. */
async function writeGoal(c: AiosClient, path: string): Promise<string> {
  const goal = await c.call('tool/plan', { tool: 'fs.write', args: { path, content: 'x\n' } });
  const plan = goal.plan;
  if (plan === null) throw new Error(`no plan: ${goal.message ?? ''}`);
  try {
    await c.call('plan/decide', { planId: plan.id, planHash: plan.hash, decision: 'approve', confirm: true });
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  return (await waitForGoal(c, goal.id)).state;
}

async function kill9(t: TestDaemon): Promise<void> {
  const exited = new Promise((r) => t.proc.once('exit', r));
  t.proc.kill('SIGKILL');
  await exited;
}

function withDb<T>(t: TestDaemon, f: (db: Database.Database) => T): T {
  const db = new Database(join(t.stateDir, 'aios.db'));
  try {
    return f(db);
  } finally {
    db.close();
  }
}

describe('a ledger whose tail cannot be cut', () => {
  it('finds rows cut after a kill -9, checkpoint rows and all, at every restart; refuses changes until acknowledged', async () => {
    d = await startTestDaemon();
    let c = await d.client();
    const file = join(d.dir, 'readable');
    writeFileSync(file, 'hello\n');
    for (let i = 0; i < 3; i++) expect(await readGoal(c, file)).toBe('succeeded');
    const head = (await c.call('audit/list', { limit: 1 })).head;
    c.close();
    await kill9(d);
    const keep = head - 4;
    withDb(d, (db) => {
      db.prepare('DELETE FROM audit WHERE seq > ?').run(keep);
      db.prepare('DELETE FROM audit_checkpoints').run();
    });
    const headFile = readFileSync(join(d.stateDir, 'audit-head.json'), 'utf8');
    for (let restart = 0; restart < 3; restart++) {
      const logSize = statSync(join(d.stateDir, 'audit-heads.log')).size;
      await d.restart();
      c = await d.client();
      const status = await c.call('status/get', {});
      expect(status.health).toBe('degraded');
      expect(status.problems.join('\n')).toMatch(new RegExp(`audit ledger is BROKEN at entry ${keep + 1}`));
      expect((await c.call('audit/verify', {})).firstBad?.seq).toBe(keep + 1);
      // Read-only goals still run; a change is refused, saying why.
      expect(await readGoal(c, file)).toBe('succeeded');
      expect(await writeGoal(c, join(d.dir, 'written'))).toMatch(/BROKEN|refused/);
      c.close();
      expect(readFileSync(join(d.stateDir, 'audit-head.json'), 'utf8')).toBe(headFile);
      expect(statSync(join(d.stateDir, 'audit-heads.log')).size).toBeGreaterThanOrEqual(logSize);
    }

    c = await d.client();
    const ack = await c.call('audit/acknowledge', { note: 'test: rows cut on purpose' });
    expect(ack).toMatchObject({ brokenAt: keep + 1, by: expect.any(String) });
    const v = await c.call('audit/verify', {});
    expect(v.ok).toBe(true);
    expect(v.acknowledged?.[0]).toMatchObject({ brokenAt: keep + 1, intactSince: ack.intactSince });
    expect((await c.call('status/get', {})).health).toBe('ok');
    expect(await writeGoal(c, join(d.dir, 'written'))).toBe('succeeded');
    const cli = spawnSync(process.execPath, [aiosBin, 'audit', 'verify'], { env: d.env, encoding: 'utf8' });
    expect(cli.stdout).toMatch(
      new RegExp(`broken at entry ${keep + 1} .*acknowledged by .* intact since entry ${ack.intactSince}`),
    );
    expect(cli.status).toBe(0);
    c.close();
  }, 120_000); // four starts of aiosd, and a dozen goals

  it('reports a rehash from entry K at K', async () => {
    d = await startTestDaemon();
    let c = await d.client();
    const file = join(d.dir, 'readable');
    writeFileSync(file, 'hello\n');
    for (let i = 0; i < 3; i++) await readGoal(c, file);
    const head = (await c.call('audit/list', { limit: 1 })).head;
    c.close();
    await kill9(d);
    const k = head - 5;
    withDb(d, (db) => rehashFrom(db, k));
    await d.restart();
    c = await d.client();
    expect((await c.call('audit/verify', {})).firstBad?.seq).toBe(k);
    c.close();
  });
});

describe('a single daemon', () => {
  it("refuses a second aiosd on the same state directory, naming the first one's pid", async () => {
    d = await startTestDaemon();
    const second = spawnSync(process.execPath, [aiosBin, 'daemon'], { env: d.env, encoding: 'utf8', timeout: 20_000 });
    expect(second.status).not.toBe(0);
    expect(second.stderr).toContain(`another aiosd (pid ${d.proc.pid})`);
    expect(readFileSync(join(d.stateDir, 'aiosd.lock'), 'utf8').trim()).toBe(String(d.proc.pid));
    // The first one still serves.
    const c = await d.client();
    expect((await c.call('status/get', {})).pid).toBe(d.proc.pid);
    c.close();
  });

  it('ends within a bound on SIGTERM, and lets the next one start', async () => {
    d = await startTestDaemon();
    const started = Date.now();
    await d.stop();
    // A liveness bound, not a timing: the daemon's own limit is 10 s.
    expect(Date.now() - started).toBeLessThan(15_000);
    await d.restart();
    const c = await d.client();
    expect((await c.call('status/get', {})).pid).toBe(d.proc.pid);
    c.close();
  });

  it('ends within the bound on SIGTERM while a step is still running', async () => {
    d = await startTestDaemon();
    const c = await d.client();
    const goal = await c.call('goal/submit', { text: '!sleep 25' });
    const plan = goal.plan;
    if (plan === null) throw new Error(`no plan: ${goal.message ?? ''}`);
    await c.call('plan/decide', { planId: plan.id, planHash: plan.hash, decision: 'approve' });
    await eventually(
      'the step to run',
      async () => (await c.call('goal/get', { goalId: goal.id })).plan?.steps[0]?.state === 'running',
    );
    const started = Date.now();
    await d.stop();
    // aiosd's own bound is 10 s (SHUTDOWN_BOUND_MS); the rest is slack for a loaded machine.
    expect(Date.now() - started).toBeLessThan(20_000);
    c.close();
  });
});

describe('the database watched', () => {
  it('notices a deleted database within 10 s and refuses new goals', async () => {
    d = await startTestDaemon();
    const c = await d.client();
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(d.stateDir, `aios.db${suffix}`), { force: true });
    const status = await eventually(
      'status to say the database is gone',
      async () => {
        const s = await c.call('status/get', {});
        return s.health === 'degraded' ? s : null;
      },
      10_000,
    );
    expect(status.problems.join('\n')).toMatch(/aios\.db was deleted while aiosd ran/);
    await expect(c.call('goal/submit', { text: '!echo hi' })).rejects.toThrow(/was deleted while aiosd ran/);
    c.close();
  });
});
