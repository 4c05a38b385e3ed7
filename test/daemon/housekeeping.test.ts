// The maintenance agent's housekeeping, end to end as goals through a real aiosd: each chore
// pointed at a test directory ([housekeeping] temp_dirs, apt_cache, log_dirs), planned as typed
// clean.* steps, judged by policy, proposed (supervised autonomy) or run at once (read-only),
// and rolled back. The state directory sits inside the temp directory being cleaned, with old
// files of its own: none of them is ever proposed, and policy refuses a step that names one.
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
let stateDir: string;
const old = oldFile;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aios-housekeeping-'));
  temp = join(dir, 'tmp');
  stateDir = join(temp, 'aios-state');
  mkdirSync(join(temp, 'nested'), { recursive: true });
  mkdirSync(join(dir, 'apt', 'archives', 'partial'), { recursive: true });
  mkdirSync(join(dir, 'logs'), { recursive: true });
  // The config directory is aiOS's too (protected): kept apart from the directories cleaned.
  mkdirSync(join(dir, 'etc'));
  writeFileSync(
    join(dir, 'etc', 'config.toml'),
    `[housekeeping]
every = "2s"
temp_dirs = ["${temp}"]
temp_age = "30d"
journal_age = "30d"
apt_cache = "${join(dir, 'apt')}"
log_dirs = ["${join(dir, 'logs')}"]
log_max_bytes = 1000
`,
  );
  old(join(temp, 'stale.txt'), 'stale content\n');
  old(join(temp, 'nested', 'stale.bin'), 'nested stale\n');
  writeFileSync(join(temp, 'fresh.txt'), 'fresh\n');
  old(join(dir, 'apt', 'archives', 'aios-hello_1.0_all.deb'), 'not really a deb\n');
  writeFileSync(join(dir, 'logs', 'big.log'), 'x'.repeat(5000));
  writeFileSync(join(dir, 'logs', 'small.log'), 'x');
  d = await startTestDaemon({
    dir,
    env: {
      AIOS_STATE_DIR: stateDir,
      AIOS_SOCKET: join(stateDir, 'aiosd.sock'),
      AIOS_CONFIG: join(dir, 'etc', 'config.toml'),
    },
  });
  // Old files in aiOS's own state (the patching engineer's kept .debs live here): never cleaned.
  mkdirSync(join(stateDir, 'packages'), { recursive: true });
  old(join(stateDir, 'packages', 'aios-hello_1.0_all.deb'), 'kept for rollback\n');
  c = await d.client();
}, 60_000);

afterAll(async () => {
  c?.close();
  await disposeTestDaemon(d);
});

describe('housekeeping by the maintenance agent', () => {
  it('lists each chore as its job', async () => {
    const jobs = (await c.call('agents/list', {})).agents.find((a) => a.name === 'maintenance')?.jobs ?? [];
    expect(jobs.map((j) => j.name)).toEqual([
      'retention',
      'housekeeping: temp',
      'housekeeping: journal',
      'housekeeping: apt-cache',
      'housekeeping: logs',
    ]);
    expect(jobs[1]?.schedule).toBe(`every 2s: remove temp files unused for 30d under ${temp}`);
  });

  it('proposes removing the old temp files (never aiOS state), removes them once approved, and rolls back', async () => {
    const g = await jobGoal(c, 'housekeeping: temp', /goal \w{26} .*: awaiting_approval/);
    expect(g.submittedBy).toBe('maintenance-agent');
    expect(g.text).toBe('housekeeping: remove 2 temp file(s) unused for 30d');
    const steps = g.plan?.steps ?? [];
    expect(steps.map((s) => [s.tool, s.agent])).toEqual([['clean.temp', 'maintenance']]);
    expect(steps[0]?.args['files']).toEqual([join(temp, 'nested', 'stale.bin'), join(temp, 'stale.txt')]);
    await c.call('plan/decide', { planId: g.plan?.id ?? '', planHash: g.plan?.hash ?? '', decision: 'approve' });
    const done = await waitForGoal(c, g.id, 60_000);
    expect(done.state, done.message ?? '').toBe('succeeded');
    expect(existsSync(join(temp, 'stale.txt'))).toBe(false);
    expect(existsSync(join(temp, 'nested', 'stale.bin'))).toBe(false);
    expect(readFileSync(join(temp, 'fresh.txt'), 'utf8')).toBe('fresh\n');
    expect(readFileSync(join(stateDir, 'packages', 'aios-hello_1.0_all.deb'), 'utf8')).toBe('kept for rollback\n');
    expect(existsSync(join(stateDir, 'aios.db'))).toBe(true);

    const back = await c.call('goal/rollback', { goalId: g.id });
    expect(back.state, back.message ?? '').toBe('rolled_back');
    expect(readFileSync(join(temp, 'stale.txt'), 'utf8')).toBe('stale content\n');
    expect(readFileSync(join(temp, 'nested', 'stale.bin'), 'utf8')).toBe('nested stale\n');
  }, 120_000);

  it('refuses, by policy, a clean.temp step that names a file in the state directory', async () => {
    const g = await c.call('tool/plan', {
      tool: 'clean.temp',
      args: { dir: temp, olderThan: '30d', files: [join(stateDir, 'packages', 'aios-hello_1.0_all.deb')] },
    });
    expect(g.state, JSON.stringify(g)).toBe('rejected');
    expect(g.message).toMatch(/never removes aiOS's own state/);
    expect(existsSync(join(stateDir, 'packages', 'aios-hello_1.0_all.deb'))).toBe(true);
  });

  it('proposes cleaning the apt cache, and apt-get clean empties it once approved', async () => {
    const g = await jobGoal(c, 'housekeeping: apt-cache', /goal \w{26} .*: awaiting_approval/);
    expect(g.plan?.steps.map((s) => s.tool)).toEqual(['clean.apt_cache']);
    await c.call('plan/decide', {
      planId: g.plan?.id ?? '',
      planHash: g.plan?.hash ?? '',
      decision: 'approve',
      confirm: true,
    });
    const done = await waitForGoal(c, g.id, 60_000);
    expect(done.state, JSON.stringify(done.plan?.steps[0])).toBe('succeeded');
    expect(existsSync(join(dir, 'apt', 'archives', 'aios-hello_1.0_all.deb'))).toBe(false);
  }, 120_000);

  it('checks log rotation on its own (it only reads), and vacuums the journal only where journald runs', async () => {
    const g = await jobGoal(c, 'housekeeping: logs', /goal \w{26} .*: (succeeded|running|planning)/);
    const done = await waitForGoal(c, g.id, 60_000);
    expect(done.state).toBe('succeeded');
    expect(done.plan?.steps[0]?.output).toContain(`${join(dir, 'logs', 'big.log')}: 5000 bytes`);
    expect(done.plan?.steps[0]?.output).not.toContain('small.log');
    const journal = (await c.call('agents/list', {})).agents
      .find((a) => a.name === 'maintenance')
      ?.jobs?.find((j) => j.name === 'housekeeping: journal');
    if (!existsSync('/run/systemd/journal/socket'))
      expect(journal?.last?.summary).toBe('nothing to do: no journald here: nothing to vacuum');
  }, 120_000);
});
