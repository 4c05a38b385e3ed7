// The five boot phases of the seed's boot sequence, in order.
import { readdirSync } from 'node:fs';
import { daemonStatus } from '../daemon-probe.js';
import { describeInventory, readInventory, unmetMinimums } from '../phases/hardware-inventory.js';
import type { PhaseOutcome } from '../timeline/timeline-recorder.js';
import type { BootContext } from './boot-context.js';
import type { BootPhase } from './phase-runner.js';

async function startAll(ctx: BootContext, names: string[]): Promise<string[]> {
  const settled = await Promise.all(
    names.filter((n) => ctx.enablement.enabled(n)).map(async (n) => `${n} ${await ctx.supervisor.start(n)}`),
  );
  return settled;
}

/** The services of `names` that were disabled at boot (service.disable), said in one detail line. */
function disabledOf(ctx: BootContext, names: string[]): string[] {
  const off = names.filter((n) => !ctx.enablement.enabled(n));
  return off.length === 0 ? [] : [`disabled at boot, not started: ${off.join(', ')}`];
}

const hardware: BootPhase<BootContext> = {
  name: 'hardware',
  title: 'hardware check',
  async run(ctx) {
    const details: string[] = [];
    if (ctx.services.devices.length > 0)
      details.push(`devices: ${(await startAll(ctx, ctx.services.devices)).join(', ')}`);
    const mounted = ctx.mountState();
    if (mounted !== null) details.push(mounted);
    details.push(...ctx.seed());
    for (const name of ctx.services.background) if (ctx.enablement.enabled(name)) void ctx.supervisor.start(name);
    details.push(...disabledOf(ctx, ctx.services.background));
    const inv = readInventory(ctx.root, ctx.paths.stateDir);
    details.push(...describeInventory(inv));
    const unmet = unmetMinimums(inv, {
      cpus: ctx.init.min_cpus,
      memoryMb: ctx.init.min_memory_mb,
      stateFreeMb: ctx.init.min_state_free_mb,
    });
    if (unmet.length > 0) return { status: 'failed', details, error: `below the minimum: ${unmet.join('; ')}` };
    return { status: 'ok', details: [...details, 'minimum requirements met'] };
  },
};

const aiRuntime: BootPhase<BootContext> = {
  name: 'ai-runtime',
  title: 'AI runtime',
  async run(ctx, signal) {
    const inv = readInventory(ctx.root, ctx.paths.stateDir);
    const r = await ctx.models.probe(ctx.config.models, inv.memAvailableMb, signal);
    return r.error === undefined
      ? { status: r.status, details: r.details }
      : { status: r.status, details: r.details, error: r.error };
  },
};

const coreServices: BootPhase<BootContext> = {
  name: 'core-services',
  title: 'core services: aiosd (memory, tools, orchestrator)',
  async run(ctx, signal) {
    const state = await ctx.supervisor.start(ctx.services.daemon);
    if (state !== 'running') {
      return {
        status: 'failed',
        details: [],
        error: `aiosd is ${state}; logins will say so and keep retrying (log: ${ctx.paths.stateDir}/aiosd.log, /var/log/aios, or journalctl -u aios-init under systemd)`,
      };
    }
    const s = await daemonStatus(ctx.paths.socketPath, signal);
    const details = [
      `aiosd ${s.version} pid ${s.pid}, ${s.mode} mode, health ${s.health}`,
      `memory: ${s.stateDir}/aios.db`,
      `socket: ${s.socket}`,
    ];
    if (s.problems.length > 0) return { status: 'warn', details: [...details, ...s.problems] };
    return { status: 'ok', details };
  },
};

function configuredAgents(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.toml'))
      .map((f) => f.slice(0, -'.toml'.length))
      .sort();
  } catch {
    return [];
  }
}

const agentSpawn: BootPhase<BootContext> = {
  name: 'agent-spawn',
  title: 'agent spawn',
  async run(ctx, signal) {
    if (ctx.supervisor.state(ctx.services.daemon) !== 'running')
      return { status: 'skipped', details: ['aiosd is not running'] };
    const s = await daemonStatus(ctx.paths.socketPath, signal);
    const agents = configuredAgents(ctx.agentsDir);
    return {
      status: 'ok',
      details: [
        `planners: ${s.planners.join(' → ')}`,
        agents.length === 0
          ? `agents: the built-in roster (none configured in ${ctx.agentsDir})`
          : `agents configured in ${ctx.agentsDir}: ${agents.join(', ')}`,
      ],
    };
  },
};

const autonomy: BootPhase<BootContext> = {
  name: 'autonomy',
  title: 'autonomy: goals resumed, logins open',
  async run(ctx, signal): Promise<PhaseOutcome> {
    const details: string[] = [`autonomy level: ${ctx.config.system.autonomy_level}`];
    if (ctx.supervisor.state(ctx.services.daemon) === 'running') {
      const s = await daemonStatus(ctx.paths.socketPath, signal);
      const goals = Object.entries(s.goals)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      details.push(`goals: ${goals === '' ? 'none yet' : goals}`);
    }
    // Logins open even when aiosd is down: the TUI says so and retries, and the break-glass
    // account still works.
    const logins = await startAll(ctx, ctx.services.logins);
    if (logins.length > 0) details.push(`logins: ${logins.join(', ')}`);
    const configured = await startAll(ctx, ctx.services.configured);
    if (configured.length > 0) details.push(`services: ${configured.join(', ')}`);
    details.push(...disabledOf(ctx, [...ctx.services.logins, ...ctx.services.configured]));
    const bad = [...logins, ...configured].filter((l) => !l.endsWith(' running') && !l.endsWith(' done'));
    if (bad.length > 0) return { status: 'warn', details, error: `not running: ${bad.join(', ')}` };
    return { status: 'ok', details };
  },
};

export const BOOT_PHASES: ReadonlyArray<BootPhase<BootContext>> = [
  hardware,
  aiRuntime,
  coreServices,
  agentSpawn,
  autonomy,
];
