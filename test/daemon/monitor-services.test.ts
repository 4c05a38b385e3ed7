// [monitor] services and [[monitor.threshold]] in a real node: the real `aios-init run`
// supervises two services and the aiosd it starts; the monitor watches them through the service
// manager, proposes restarting the one that does not run, and a script approves that from the CLI.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTimeline } from '../../src/files/boot-timeline-file.js';
import { AiosClient } from '../../src/protocol/client.js';
import type { GoalView } from '../../src/protocol/model.js';
import { askInit } from '../../src/tools/init-control-client.js';
import { runCli } from '../helpers/aios-cli.js';
import { repoRoot } from '../helpers/daemon.js';
import { eventually } from '../helpers/until.js';

const initBin = join(repoRoot, 'bin', 'aios-init.js');
let dir: string;
let env: NodeJS.ProcessEnv;
let init: ChildProcess | undefined;
let output = '';

const until = <T>(
  check: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  what: string,
): Promise<T> => eventually(() => `${what}; aios-init said:\n${output}`, check);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aios-monsvc-'));
  writeFileSync(
    join(dir, 'config.toml'),
    `
[[init.services]]
name = "ticker"
argv = ["sleep", "1000"]

[[init.services]]
name = "idle"
argv = ["sleep", "1000"]
enabled = false

[monitor]
interval_s = 1
cpu_pct = false
memory_pct = false
disk_pct = false
load_per_core = false
services = ["ticker", "idle", "nosuch"]

[[monitor.threshold]]
metric = "disk_pct"
path = "${dir}"
above = 0.001
goal = "disk usage"
`,
  );
  env = {
    ...process.env,
    AIOS_MODE: 'user',
    AIOS_STATE_DIR: join(dir, 'state'),
    AIOS_CONFIG: join(dir, 'config.toml'),
    HOME: dir,
    AIOS_SERVICE_MANAGER: 'aios-init',
  };
  init = spawn(process.execPath, [initBin, 'run'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  init.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  await until(() => readTimeline(join(dir, 'state'))?.state === 'ready', 'a ready boot');
});

afterAll(async () => {
  const p = init;
  if (p !== undefined && p.exitCode === null && p.signalCode === null) {
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await gone;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("the monitor's services and thresholds", () => {
  it('proposes restarting a watched service that is not running; approved from the CLI, it runs again', async () => {
    const c = await AiosClient.connect({ socketPath: join(dir, 'state', 'aiosd.sock'), clientName: 'test' });
    await c.call('events/subscribe', {});
    const byMonitor = async (text: string): Promise<GoalView | undefined> =>
      (await c.call('goal/list', { limit: 50 })).goals.find(
        (g) => g.submittedBy === 'monitor-agent' && g.text === text,
      );
    const restart = await until(
      () => byMonitor('restart service idle').then((g) => (g?.state === 'awaiting_approval' ? g : null)),
      'a proposed restart of idle',
    );
    expect(await byMonitor('restart service ticker')).toBeUndefined(); // inactive only until aios-init started it at boot
    expect(await until(() => byMonitor('disk usage'), "the custom disk threshold's goal")).toBeDefined();

    const approved = await runCli({ env }, [
      'goal',
      'approve',
      restart.id.slice(-8),
      '--hash',
      restart.plan?.hash ?? '',
      '--confirm',
      '--json',
    ]);
    expect(approved.code, approved.stdout + approved.stderr).toBe(0);
    expect((JSON.parse(approved.stdout) as { goal: GoalView }).goal.state).toBe('succeeded');
    const idle = (await askInit(join(dir, 'state', 'run', 'init.sock'), { op: 'list' })).services?.find(
      (s) => s.unit === 'idle',
    );
    expect(idle?.active).toBe('active');
    // A unit the manager does not know is said in an alert, with nothing proposed.
    expect(
      (await c.call('goal/list', { limit: 100 })).goals
        .filter((g) => g.submittedBy === 'monitor-agent')
        .map((g) => g.text)
        .sort(),
    ).toEqual(['disk usage', 'restart service idle']);
    c.close();
  });
});
