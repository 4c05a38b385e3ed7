// The [init] table of config.toml: what aios-init checks, how it supervises aiosd, and which
// logins it starts when it is PID 1. Absent means every default (InitConfig.parse({})).
import { z } from 'zod';

const ServiceName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9:_.@-]{0,63}$/, 'expected a service name such as "web" or "backup@daily"');

/** A service aios-init runs itself where it supervises the node (as init, or `aios-init run`). */
export const InitServiceConfig = z.strictObject({
  name: ServiceName,
  description: z.string().default(''),
  /** The program and its arguments, run directly (no shell). */
  argv: z.array(z.string().min(1)).min(1),
  /** daemon: runs until stopped. oneshot: runs to completion. */
  kind: z.enum(['daemon', 'oneshot']).default('daemon'),
  restart: z.enum(['always', 'on-failure', 'never']).default('on-failure'),
  /**
   * Services that must be ready (a daemon) or done (a oneshot) first: built-in ones such as
   * "aiosd", or other [[init.services]]. If one fails, this one is not started.
   */
  requires: z.array(ServiceName).default([]),
  /** Started at boot unless disabled; service.enable and service.disable override this. */
  enabled: z.boolean().default(true),
});
export type InitServiceConfig = z.output<typeof InitServiceConfig>;

export const InitConfig = z.strictObject({
  min_cpus: z.number().int().min(1).default(1),
  min_memory_mb: z.number().int().min(0).default(512),
  min_state_free_mb: z.number().int().min(0).default(256),
  /** aiosd must answer status/get within watchdog_timeout_s, asked every watchdog_interval_s. */
  watchdog_interval_s: z.number().min(1).max(3600).default(10),
  watchdog_timeout_s: z.number().min(1).max(3600).default(30),
  /** Unanswered probes in a row before aiosd is killed and restarted (a stalled VM misses one). */
  watchdog_misses: z.number().int().min(1).max(10).default(2),
  /** How long aiosd may take to answer for the first time. */
  ready_timeout_s: z.number().min(1).max(3600).default(120),
  /** Consoles that get a login prompt when aios-init is PID 1 (absent devices are skipped). */
  gettys: z
    .array(z.string().regex(/^[A-Za-z0-9]+$/, 'expected a tty name such as ttyS0'))
    .default(['tty1', 'ttyS0', 'hvc0']),
  /** Start sshd when aios-init is PID 1. */
  ssh: z.boolean().default(true),
  /** An account that keeps a normal shell for recovery; `aios-init install` never changes it. */
  break_glass_user: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]*$/, 'expected a user name')
    .optional(),
  /** [[init.services]]: more services for aios-init to run, managed by service.* like the built-in ones. */
  services: z.array(InitServiceConfig).default([]),
});
export type InitConfig = z.output<typeof InitConfig>;
