// The whole of config.toml. Keys are snake_case as written in TOML, and every table is strict
// so that a misspelt key is an error instead of a setting silently ignored.
import { z } from 'zod';
import { compilePattern } from '../policy/safe-regex.js';
import { ApiConfig, ModelsConfig } from './models-schema.js';
import { InitConfig } from './init-schema.js';
import { RetentionConfig } from './retention-schema.js';
import { FleetConfig } from '../fleet/fleet-config.js';
import { MetricsConfig, MonitorServices, MonitorThreshold, ScheduleEntry } from './operations-schema.js';
import { PackagesConfig, PatchKeys } from './patch-schema.js';
import { AutonomyLevel, EscapeHatch, SecurityMode } from '../protocol/vocabulary.js';

const MiB = 1024 * 1024;

// Policy patterns are RE2 (linear-time matching): one RE2 cannot compile is refused at load, named.
const regexSource = z.string().superRefine((source, ctx) => {
  const compiled = compilePattern(source);
  if (!compiled.ok) ctx.addIssue({ code: 'custom', message: compiled.reason });
});

// Tables use prefault, not default: zod 4 returns a default as-is, so {} would skip the inner defaults.
const System = z
  .strictObject({
    hostname: z.string().min(1).optional(),
    log_level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    /** text: `<time> aiosd: <msg>` for a person; json: one object per line (time, level, msg, fields) for a collector. */
    log_format: z.enum(['text', 'json']).default('text'),
    /** aiosd.log is rotated past this size (not under journald, which rotates its own). */
    log_max_bytes: z
      .number()
      .int()
      .min(4096)
      .max(1024 * MiB)
      .default(10 * MiB),
    /** Rotated logs kept beside it: aiosd.log.1 (newest) … aiosd.log.<log_files>. */
    log_files: z.number().int().min(1).max(100).default(5),
    autonomy_level: AutonomyLevel.default('supervised'),
    /** Under autonomy_level = "full": tools whose low-risk, reversible steps may run without a person. */
    autonomy_allow: z.array(z.string().min(1)).default([]),
  })
  .prefault({});

const Security = z
  .strictObject({
    mode: SecurityMode.default('normal'),
    dangerous_patterns: z.array(regexSource).default([]),
    require_confirm: z.array(regexSource).default([]),
    // auto_patch, auto_patch_window, auto_patch_checks (src/config/patch-schema.ts).
    ...PatchKeys,
  })
  .prefault({});

const Tools = z
  .strictObject({
    exec_timeout_ms: z.number().int().min(100).max(3_600_000).default(30_000),
    output_cap_bytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * MiB)
      .default(MiB),
  })
  .prefault({});

const Recovery = z
  .strictObject({
    snapshot_interval: z.enum(['off', 'hourly', 'daily']).default('hourly'),
    /** Trees the automatic snapshots cover; manual ones (aios snapshot create) name their own. */
    snapshot_paths: z.array(z.string().regex(/^\//, 'must be an absolute path')).default(['/etc']),
    /** Empty files (and a sixth as many directories) kept ready so a restore of a deleted tree need not create inodes; 0 turns it off. */
    spare_files: z.number().int().min(0).max(1_000_000).default(6000),
  })
  .prefault({});

const Daemon = z
  .strictObject({
    max_clients: z.number().int().min(1).max(4096).default(64),
    max_frame_bytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * MiB)
      .default(MiB),
    /** Connections one account may hold in system mode; root is not capped. One account cannot take every slot. */
    max_clients_per_uid: z.number().int().min(1).max(4096).default(16),
    /** Of max_clients, how many only admins may take, so an admin can always get in. */
    admin_reserved_clients: z.number().int().min(0).max(4096).default(8),
    /** A connection that has not sent initialize within this long is closed. */
    handshake_timeout_ms: z.number().int().min(100).max(600_000).default(10_000),
  })
  .refine((d) => d.admin_reserved_clients < d.max_clients, {
    message: 'admin_reserved_clients must be less than max_clients, or nobody but admins could connect',
    path: ['admin_reserved_clients'],
  })
  .prefault({});

const Shell = z.strictObject({
  /** Who may open the audited real shell from the TUI: nobody, admins, or every operator and admin. */
  escape_hatch: EscapeHatch.default('admin'),
  /** The TUI's key guard: a command key acts only this long after the plan (or the previous key) changed... */
  guard_ms: z.number().int().min(0).max(10_000).default(700),
  /** ...and only when no other key follows it within this long (a burst of typing is text). */
  burst_ms: z.number().int().min(0).max(2_000).default(250),
});

// [models] and [api.*]: local GGUF models and cloud providers (src/config/models-schema.ts).
const Models = ModelsConfig;

// The monitor agent: how often it samples, how long samples are kept, when it speaks up.
// A threshold set to false turns that check off (still sampled and charted, never alerted on):
// a build box that is meant to run at full load should not propose a goal every half minute.
const pct = (fallback: number) => z.union([z.number().min(1).max(100), z.literal(false)]).default(fallback);
const Monitor = z
  .strictObject({
    interval_s: z.number().min(1).max(86_400).default(30),
    cpu_pct: pct(95),
    memory_pct: pct(90),
    disk_pct: pct(90),
    load_per_core: z.union([z.number().min(0.1), z.literal(false)]).default(4),
    // Optional so configs written before them compare unchanged; absent means none (src/config/operations-schema.ts).
    services: MonitorServices.optional(),
    threshold: z.array(MonitorThreshold).max(64).optional(),
  })
  .prefault({});

export const AiosConfig = z.strictObject({
  system: System,
  security: Security,
  tools: Tools,
  recovery: Recovery,
  daemon: Daemon,
  monitor: Monitor,
  // Optional so configs written before it compare unchanged; absent means the defaults (src/config/init-schema.ts).
  init: InitConfig.optional(),
  // Optional rather than defaulted, so configs written before it compare unchanged; absent means "admin".
  shell: Shell.optional(),
  models: Models,
  api: ApiConfig,
  // Optional so configs written before it compare unchanged; absent means no metrics endpoint.
  metrics: MetricsConfig.optional(),
  // [[schedule]]: optional for the same reason; absent means no schedules.
  schedule: z.array(ScheduleEntry).max(256).optional(),
  // Optional so configs written before it compare unchanged; absent means the defaults (src/config/retention-schema.ts).
  retention: RetentionConfig.optional(),
  // [fleet]: optional; absent means this node is in no fleet until `aios fleet join` (src/fleet).
  fleet: FleetConfig.optional(),
  // Optional so configs written before it compare unchanged; absent means the node itself (src/config/patch-schema.ts).
  packages: PackagesConfig.optional(),
});
export type AiosConfig = z.output<typeof AiosConfig>;
