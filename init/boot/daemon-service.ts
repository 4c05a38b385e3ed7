// aiosd as a supervised service: ready once it answers status/get, watched by the same
// heartbeat, restarted with backoff, given up on after the start limit.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { InitConfig } from '../../src/config/init-schema.js';
import type { AiosPaths } from '../../src/config/paths.js';
import { daemonStatus, waitForDaemon } from '../daemon-probe.js';
import type { ServiceSpec } from '../supervisor/service-spec.js';
import { killCgroupsUnder, stepCgroupBase } from '../../src/tools/process-tree.js';

/**
 * This instance's directory for step cgroups, under aios-init's own cgroup v2 (one per state
 * directory, so two instances on one host never end each other's steps); null where the node
 * has no writable cgroup v2 with cgroup.kill.
 */
export function stepCgroupsOf(stateDir: string): string | null {
  const base = stepCgroupBase({}).path;
  if (base === null) return null;
  const dir = join(base, `aiosd-${createHash('sha256').update(stateDir).digest('hex').slice(0, 12)}`);
  try {
    mkdirSync(dir, { recursive: true });
    return dir;
  } catch {
    return null;
  }
}

export function daemonService(o: {
  paths: AiosPaths;
  init: InitConfig;
  env: NodeJS.ProcessEnv;
  aiosEntry: string;
  output: number | 'ignore' | 'inherit';
}): ServiceSpec {
  const socket = o.paths.socketPath;
  // A step's processes never outlive aiosd unnoticed: each step runs in a cgroup under this
  // directory, and whatever is left in them when aiosd died is ended before it starts again
  // (aiosd then finds the step's journal start with no end: outcome unknown).
  const steps = stepCgroupsOf(o.paths.stateDir);
  return {
    name: 'aiosd',
    description: 'the aiOS daemon: goals, tools, memory and the audit ledger',
    // service.stop aiosd would be aiosd stopping itself through its own tool: the goal ends
    // mid-step and, stopped on request, nothing starts it again until the next boot.
    critical:
      'aiosd must keep running: stopped, restarted or disabled through the control channel (which its own service tools use), it would end the running goal mid-step and nothing would start it again; aios-init restarts it when it fails, and `aios-init reboot` restarts the node',
    kind: 'daemon',
    argv: [process.execPath, o.aiosEntry, 'daemon'],
    env: steps === null ? o.env : { ...o.env, AIOS_STEP_CGROUPS: steps },
    beforeStart: () => {
      if (steps === null) return null;
      const killed = killCgroupsUnder(steps);
      return killed.length === 0
        ? null
        : `ended ${killed.length} step cgroup(s) the last aiosd left running (${killed.join(', ')})`;
    },
    output: o.output,
    ready: (signal) => waitForDaemon(socket, signal),
    readyTimeoutMs: o.init.ready_timeout_s * 1000,
    watchdog: {
      intervalMs: o.init.watchdog_interval_s * 1000,
      timeoutMs: o.init.watchdog_timeout_s * 1000,
      misses: o.init.watchdog_misses,
      probe: async (signal) => {
        await daemonStatus(socket, signal);
      },
    },
    // aiosd finishes the step it is running before it exits.
    stopTimeoutMs: 15_000,
    policy: { restart: 'always' },
  };
}
