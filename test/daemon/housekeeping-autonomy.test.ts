// Housekeeping under autonomy_level = "full", end to end through a real aiosd: with every clean.*
// tool on autonomy_allow, only the temp chore runs unattended (its step is low risk and
// reversible: snapshotted, rolled back with aios rollback), approved by the autonomy policy and
// audited as such; the apt cache chore and a journal vacuum are irreversible, so they still wait
// for a person whatever the allowlist says, and change nothing meanwhile.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AiosClient } from '../../src/protocol/client.js';
import { disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { jobGoal, oldFile } from '../helpers/maintenance-jobs.js';
import { waitForGoal } from '../helpers/wait.js';

let d: TestDaemon | undefined;
let c: AiosClient;
let dir: string;
let temp: string;
const old = oldFile;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aios-hk-full-'));
  temp = join(dir, 'tmp');
  mkdirSync(temp);
  mkdirSync(join(dir, 'apt', 'archives', 'partial'), { recursive: true });
  mkdirSync(join(dir, 'logs'));
  // The config directory is aiOS's own (never cleaned): kept apart from the directories cleaned.
  mkdirSync(join(dir, 'etc'));
  writeFileSync(
    join(dir, 'etc', 'config.toml'),
    `[system]
autonomy_level = "full"
autonomy_allow = ["clean.temp", "clean.journal", "clean.apt_cache", "clean.log_check"]

[housekeeping]
every = "2s"
temp_dirs = ["${temp}"]
temp_age = "30d"
journal_age = "30d"
apt_cache = "${join(dir, 'apt')}"
log_dirs = ["${join(dir, 'logs')}"]
`,
  );
  old(join(temp, 'stale.txt'), 'stale content\n');
  writeFileSync(join(temp, 'fresh.txt'), 'fresh\n');
  old(join(dir, 'apt', 'archives', 'aios-hello_1.0_all.deb'), 'not really a deb\n');
  d = await startTestDaemon({ dir, env: { AIOS_CONFIG: join(dir, 'etc', 'config.toml') } });
  c = await d.client();
}, 60_000);

afterAll(async () => {
  c?.close();
  await disposeTestDaemon(d);
});

interface Entry {
  actor: string;
  action: string;
  subject: string;
  detail: Record<string, unknown>;
}
const ledger = async (): Promise<Entry[]> => (await c.call('audit/list', { limit: 1000 })).entries as Entry[];

describe('housekeeping under full autonomy', () => {
  it('removes old temp files unattended, approved by the autonomy policy and audited as such; rolls back', async () => {
    const g = await jobGoal(c, 'housekeeping: temp', /goal \w{26} /);
    expect(g.submittedBy).toBe('maintenance-agent');
    const done = await waitForGoal(c, g.id, 60_000);
    expect(done.state, done.message ?? '').toBe('succeeded');
    const step = done.plan?.steps[0];
    expect(step?.tool).toBe('clean.temp');
    expect(step?.approvedBy).toMatch(/^policy:autonomy-full\(\w+\)/);
    expect(existsSync(join(temp, 'stale.txt'))).toBe(false);
    expect(readFileSync(join(temp, 'fresh.txt'), 'utf8')).toBe('fresh\n');

    const entries = await ledger();
    const approval = entries.find((e) => e.action === 'plan.approve' && e.subject === `${done.plan?.id ?? ''}/s1`);
    expect(approval?.actor).toMatch(/^policy:autonomy-full\(\w+\)$/);
    expect(approval?.detail).toMatchObject({ goalId: g.id, tool: 'clean.temp', role: 'policy', risk: 'low' });
    expect(
      entries.filter((e) => e.action === 'tool.call' && e.detail['goalId'] === g.id).map((e) => e.subject),
    ).toEqual(['clean.temp']);

    const back = await c.call('goal/rollback', { goalId: g.id });
    expect(back.state, back.message ?? '').toBe('rolled_back');
    expect(readFileSync(join(temp, 'stale.txt'), 'utf8')).toBe('stale content\n');
  }, 120_000);

  it('leaves the apt cache chore waiting for a person though clean.apt_cache is allowed: it cannot be undone', async () => {
    const g = await jobGoal(c, 'housekeeping: apt-cache', /goal \w{26} .*: awaiting_approval/);
    expect(g.plan?.steps.map((s) => [s.tool, s.state, s.approvedBy])).toEqual([['clean.apt_cache', 'pending', null]]);
    expect(existsSync(join(dir, 'apt', 'archives', 'aios-hello_1.0_all.deb'))).toBe(true);
    // Skipped, not piled up, while it waits.
    await jobGoal(
      c,
      'housekeeping: apt-cache',
      new RegExp(`^skipped: its last goal ${g.id} is still awaiting_approval`),
    );
    expect((await ledger()).filter((e) => e.action === 'plan.approve' && e.detail['goalId'] === g.id)).toEqual([]);
  }, 120_000);

  it('leaves a journal vacuum waiting for a person too, and runs the read-only log check by the read-only policy', async () => {
    // Planned as the chore plans it, whether or not journald runs here; nobody approves it.
    const j = await c.call('tool/plan', { tool: 'clean.journal', args: { olderThan: '30d' } });
    expect(j.state, j.message ?? '').toBe('awaiting_approval');
    expect(j.plan?.steps[0]?.approvedBy).toBeNull();
    const rejected = await c.call('plan/decide', {
      planId: j.plan?.id ?? '',
      planHash: j.plan?.hash ?? '',
      decision: 'reject',
    });
    expect(rejected.state).toBe('rejected');

    const logs = await jobGoal(c, 'housekeeping: logs', /goal \w{26} /);
    const done = await waitForGoal(c, logs.id, 60_000);
    expect(done.state).toBe('succeeded');
    expect(done.plan?.steps[0]?.approvedBy).toMatch(/^policy:read-only\(\w+\)/);
  }, 120_000);
});
