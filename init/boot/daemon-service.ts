// aiosd as a supervised service: ready once it answers status/get, watched by the same
// heartbeat, restarted with backoff, given up on after the start limit.
import type { InitConfig } from '../../src/config/init-schema.js';
import type { AiosPaths } from '../../src/config/paths.js';
import { daemonStatus, waitForDaemon } from '../daemon-probe.js';
import type { ServiceSpec } from '../supervisor/service-spec.js';

export function daemonService(o: { paths: AiosPaths; init: InitConfig; env: NodeJS.ProcessEnv; aiosEntry: string; output: number | 'ignore' | 'inherit' }): ServiceSpec {
  const socket = o.paths.socketPath;
  return {
    name: 'aiosd',
    description: 'the aiOS daemon: goals, tools, memory and the audit ledger',
    // service.stop aiosd would be aiosd stopping itself through its own tool: the goal ends
    // mid-step and, stopped on request, nothing starts it again until the next boot.
    critical: 'aiosd must keep running: stopped, restarted or disabled through the control channel (which its own service tools use), it would end the running goal mid-step and nothing would start it again; aios-init restarts it when it fails, and `aios-init reboot` restarts the node',
    kind: 'daemon',
    argv: [process.execPath, o.aiosEntry, 'daemon'],
    env: o.env,
    output: o.output,
    ready: (signal) => waitForDaemon(socket, signal),
    readyTimeoutMs: o.init.ready_timeout_s * 1000,
    watchdog: {
      intervalMs: o.init.watchdog_interval_s * 1000,
      timeoutMs: o.init.watchdog_timeout_s * 1000,
      probe: async (signal) => { await daemonStatus(socket, signal); },
    },
    // aiosd finishes the step it is running before it exits.
    stopTimeoutMs: 15_000,
    policy: { restart: 'always' },
  };
}
