// What aios-init needs to know to run one service: its argv, how to tell that it is ready,
// how to tell that it is still alive, and when to start it again.
import type { RestartPolicy } from './restart-policy.js';

export type ServiceState =
  | 'inactive' // not asked to start yet
  | 'waiting' // waiting for what it requires
  | 'starting' // spawned, not ready yet
  | 'running' // ready (a daemon)
  | 'done' // finished with exit 0 (a oneshot)
  | 'backoff' // stopped, waiting to start again
  | 'stopping'
  | 'stopped'
  | 'failed'; // gave up: start limit, a failed requirement, or restart=never

export interface WatchdogSpec {
  intervalMs: number;
  /** A probe that has not answered after this long counts as a miss. */
  timeoutMs: number;
  /**
   * Misses in a row before the service is killed (default 1). More than one rides out a stall of
   * the whole machine (an overcommitted VM host), where the probe's deadline fires as soon as the
   * guest runs again, before the service has had the CPU to answer; the probe after a miss is sent
   * at once.
   */
  misses?: number;
  /** Rejects (or honours the signal) when the service does not answer. */
  probe: (signal: AbortSignal) => Promise<void>;
}

export interface ServiceSpec {
  name: string;
  /** One line for `service.list`. */
  description?: string;
  /**
   * Why this service may not be stopped, restarted or disabled through the control channel
   * (aiosd, the login prompts); absent when it may.
   */
  critical?: string;
  argv: readonly [string, ...string[]];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** daemon: runs until stopped. oneshot: runs to completion; exit 0 is success. */
  kind: 'daemon' | 'oneshot';
  /** Services that must be ready (or done) first; if one fails, this one is not started. */
  requires?: readonly string[];
  policy?: Partial<RestartPolicy>;
  /** Resolves once the service serves; without it a daemon counts as ready once spawned. */
  ready?: (signal: AbortSignal) => Promise<void>;
  readyTimeoutMs?: number;
  watchdog?: WatchdogSpec;
  /**
   * Runs before each start (the first and every restart); returns a line for the log, or null.
   * aiosd's ends what its steps left running in their cgroups when it died.
   */
  beforeStart?: () => string | null;
  /** SIGTERM, then SIGKILL after this long. */
  stopTimeoutMs?: number;
  /** A file descriptor for stdout and stderr, or where to send them. */
  output?: number | 'inherit' | 'ignore';
  /**
   * Pipe stdout and stderr through aios-init, keep the last lines for `service.status`, and
   * copy them to `output` when that is a file descriptor.
   */
  keepOutput?: boolean;
}
