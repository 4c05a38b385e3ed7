// service.* where aios-init, not systemd, runs the node: the real `aios-init run` with two
// [[init.services]] (sleep and a shell loop), the real aiosd it supervises, and every tool
// driven as `aios tool` drives it (a one-step plan through policy, approval and audit). Then
// whole goals rolled back and the state compared, a refusal to stop aiosd through itself, and
// enable/disable surviving a restart of aios-init.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTimeline } from '../../src/files/boot-timeline-file.js';
import type { InitServiceInfo } from '../../src/protocol/init-control.js';
import { askInit } from '../../src/tools/init-control-client.js';
import { aiosBin, repoRoot } from '../helpers/daemon.js';
import { eventually } from '../helpers/until.js';

const exec = promisify(execFile);
const initBin = join(repoRoot, 'bin', 'aios-init.js');
let dir: string;
let env: NodeJS.ProcessEnv;
let init: ChildProcess | undefined;
let output = '';
const socket = (): string => join(dir, 'state', 'run', 'init.sock');

const CONFIG = `
[[init.services]]
name = "ticker"
description = "a shell loop that says tick"
argv = ["sh", "-c", "while true; do echo tick; sleep 1; done"]

[[init.services]]
name = "idle"
argv = ["sleep", "1000"]
enabled = false

[monitor]
cpu_pct = false
memory_pct = false
disk_pct = false
load_per_core = false
`;

const until = <T>(check: () => T | null | undefined | false | Promise<T | false>, what: string): Promise<T> =>
  eventually(() => `${what}; aios-init said:\n${output}`, check);

async function bootInit(): Promise<void> {
  rmSync(join(dir, 'state', 'boot-timeline.json'), { force: true });
  init = spawn(process.execPath, [initBin, 'run'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  init.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  await until(() => readTimeline(join(dir, 'state'))?.state === 'ready', 'a ready boot');
}

async function stopInit(): Promise<void> {
  const p = init;
  if (p === undefined || p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await gone;
}

interface Goal {
  id: string;
  state: string;
  message: string;
  plan: { steps: Array<{ output: string; error: string | null; preview: { summary: string; detail?: string } }> };
}

/** `aios tool NAME --args JSON --yes --confirm --json`: the goal as the CLI prints it. */
async function tool(name: string, args: Record<string, unknown>): Promise<Goal> {
  const r = await exec(
    process.execPath,
    [aiosBin, 'tool', name, '--args', JSON.stringify(args), '--yes', '--confirm', '--json'],
    { env },
  ).catch((e: { stdout: string }) => e);
  return JSON.parse(r.stdout) as Goal;
}

async function rollback(goal: Goal): Promise<Goal> {
  const r = await exec(process.execPath, [aiosBin, 'rollback', goal.id, '--yes', '--json'], { env });
  return JSON.parse(r.stdout) as Goal;
}

async function services(): Promise<Record<string, InitServiceInfo>> {
  const all = (await askInit(socket(), { op: 'list' })).services ?? [];
  return Object.fromEntries(all.map((s) => [s.unit, s]));
}

const summary = (s: InitServiceInfo | undefined): string => `${s?.active ?? '?'} ${s?.enabled ?? '?'}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aios-isvc-'));
  writeFileSync(join(dir, 'config.toml'), CONFIG);
  // AIOS_SERVICE_MANAGER: on a machine where systemd runs, aiosd would otherwise pick systemd.
  env = {
    ...process.env,
    AIOS_MODE: 'user',
    AIOS_STATE_DIR: join(dir, 'state'),
    AIOS_CONFIG: join(dir, 'config.toml'),
    HOME: dir,
    AIOS_SERVICE_MANAGER: 'aios-init',
  };
  await bootInit();
});
afterAll(async () => {
  await stopInit();
  rmSync(dir, { recursive: true, force: true });
});

describe("service.* through aios-init's supervisor", () => {
  it('lists and shows the services aios-init runs, enabled ones started at boot', async () => {
    const list = await tool('service.list', {});
    expect(list.state).toBe('succeeded');
    expect(list.plan.steps[0]?.preview.summary).toBe('list services (aios-init)');
    expect(list.plan.steps[0]?.output).toMatch(/aiosd\s+active\s+the aiOS daemon/);
    expect(list.plan.steps[0]?.output).toMatch(/ticker\s+active\s+a shell loop that says tick/);
    expect(list.plan.steps[0]?.output).toMatch(/idle\s+inactive/);
    const status = await tool('service.status', { unit: 'ticker' });
    expect(status.plan.steps[0]?.output).toMatch(
      /^ticker: active, enabled\nticker - a shell loop that says tick\nstate: running \(pid \d+\); started 1 time\(s\)/,
    );
    await until(
      async () => (await tool('service.status', { unit: 'ticker' })).plan.steps[0]?.output.includes('tick\n') === true,
      'ticker output in its status',
    );
    expect((await tool('service.status', { unit: 'idle' })).plan.steps[0]?.output).toMatch(/^idle: inactive, disabled/);
  });

  it('starts, enables, stops and disables, and a rollback of each goal, last first, puts everything back', async () => {
    const before = await services();
    const goals: Goal[] = [];
    const steps: Array<[string, string, string]> = [
      ['service.enable', 'idle', 'inactive enabled'],
      ['service.start', 'idle', 'active enabled'],
      ['service.stop', 'ticker', 'inactive enabled'],
      ['service.disable', 'ticker', 'inactive disabled'],
    ];
    for (const [name, unit, after] of steps) {
      const g = await tool(name, { unit });
      expect(g.state, g.message).toBe('succeeded');
      expect(g.plan.steps[0]?.preview.detail).toBe(
        `argv: ${JSON.stringify(['aios-init', 'ctl', name.slice('service.'.length), unit])}`,
      );
      expect(summary((await services())[unit])).toBe(after);
      goals.push(g);
    }
    const stateFile = JSON.parse(readFileSync(join(dir, 'state', 'init-services.json'), 'utf8')) as unknown;
    expect(stateFile).toEqual({ version: 1, services: { idle: true, ticker: false } });
    const undone: string[] = [];
    for (const g of goals.reverse()) {
      const r = await rollback(g);
      expect(r.state, r.message).toBe('rolled_back');
      undone.push(r.message.replace(/^.*restored services: /, ''));
    }
    expect(undone).toEqual(['enable ticker', 'start ticker', 'stop idle', 'disable idle']);
    const after = await services();
    for (const unit of ['ticker', 'idle', 'aiosd']) expect(summary(after[unit]), unit).toBe(summary(before[unit]));
    expect(after['ticker']?.pid).not.toBe(before['ticker']?.pid); // it ran again, as a new process
  });

  it('restarts a service as a new process', async () => {
    const pid = (await services())['ticker']?.pid;
    const g = await tool('service.restart', { unit: 'ticker' });
    expect(g.state, g.message).toBe('succeeded');
    const now = (await services())['ticker'];
    expect(now?.active).toBe('active');
    expect(now?.pid).not.toBe(pid);
  });

  it('refuses to stop or disable aiosd through itself, and aiosd keeps running', async () => {
    const pid = (await services())['aiosd']?.pid;
    for (const name of ['service.stop', 'service.disable']) {
      const g = await tool(name, { unit: 'aiosd' });
      expect(g.state).toBe('failed');
      expect(g.plan.steps[0]?.error).toMatch(
        new RegExp(`refusing to ${name.slice('service.'.length)} aiosd: aiosd must keep running`),
      );
      // The preview said so before anyone approved it.
      expect(g.plan.steps[0]?.preview.summary).toMatch(
        new RegExp(`cannot ${name.slice('service.'.length)} aiosd: aios-init refuses \\(aiosd must keep running`),
      );
    }
    const now = (await services())['aiosd'];
    expect(now).toMatchObject({ active: 'active', enabled: 'enabled', pid });
    const unknown = await tool('service.status', { unit: 'nginx' });
    expect(unknown.plan.steps[0]?.error).toMatch(
      /no service named "nginx" is supervised by aios-init \(it runs: aiosd, ticker, idle\)/,
    );
  });

  it('what enable and disable set is what the next boot starts', async () => {
    expect((await tool('service.disable', { unit: 'ticker' })).state).toBe('succeeded');
    expect((await tool('service.enable', { unit: 'idle' })).state).toBe('succeeded');
    await stopInit();
    await bootInit();
    const now = await services();
    expect(now['ticker']).toMatchObject({ active: 'inactive', enabled: 'disabled', starts: 0 });
    expect(now['idle']).toMatchObject({ active: 'active', enabled: 'enabled', starts: 1 });
    const autonomy = readTimeline(join(dir, 'state'))?.phases.find((p) => p.name === 'autonomy');
    expect(autonomy?.details).toContain('disabled at boot, not started: ticker');
  });
});
