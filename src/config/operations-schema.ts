// The tables for running a node unattended: metrics export (and, with it, the log's format in
// [system]), and what the monitor watches beyond its four built-in thresholds.
import { z } from 'zod';
import { parseListen } from './listen-address.js';
import { parseCron } from './cron.js';
import { AutonomyLevel } from '../protocol/vocabulary.js';

export const MetricsConfig = z.strictObject({
  /** Absent: no endpoint. "127.0.0.1:9464", "[::1]:9464" or a Unix socket path. */
  listen: z
    .string()
    .superRefine((text, ctx) => {
      const r = parseListen(text);
      if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
    })
    .optional(),
});
export type MetricsConfig = z.output<typeof MetricsConfig>;

/** [monitor] services: units that should be running; one that is not raises an alert and a proposed restart. */
export const MonitorServices = z
  .array(z.string().regex(/^[A-Za-z0-9@._:-]+$/, 'expected a service name such as "nginx" or "getty@tty1.service"'))
  .max(256);

/** [[monitor.threshold]]: a check of one's own, e.g. a second filesystem at its own limit. */
export const MonitorThreshold = z
  .strictObject({
    metric: z.enum(['cpu_pct', 'memory_pct', 'disk_pct', 'load_per_core']),
    /** disk_pct only: the filesystem that holds this path (default /). */
    path: z.string().regex(/^\//, 'must be an absolute path').optional(),
    above: z.number().min(0),
    /** The goal proposed when it is crossed, in plain words (default: the metric's own diagnostic goal). */
    goal: z.string().min(1).max(500).optional(),
  })
  .superRefine((t, ctx) => {
    if (t.path !== undefined && t.metric !== 'disk_pct')
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'path is for disk_pct only' });
    if (t.metric !== 'load_per_core' && t.above > 100)
      ctx.addIssue({ code: 'custom', path: ['above'], message: 'a percentage: at most 100' });
  });
export type MonitorThreshold = z.output<typeof MonitorThreshold>;

/** "30s", "15m", "6h", "1d". */
export const EVERY_PATTERN = /^(\d+)\s*(s|m|h|d)$/;

/** [[schedule]]: a goal submitted on its own, as the `schedule` actor, every so often or at cron-style times. */
export const ScheduleEntry = z
  .strictObject({
    /** Shown in `aios schedule list` and the ledger (default: the goal's text). */
    name: z.string().min(1).max(100).optional(),
    goal: z.string().min(1).max(8192),
    every: z.string().regex(EVERY_PATTERN, 'expected a duration such as "30s", "15m", "6h" or "1d"').optional(),
    /** Five cron fields, local time: "0 3 * * *" is 03:00 every day. */
    at: z
      .string()
      .superRefine((text, ctx) => {
        const r = parseCron(text);
        if (typeof r === 'string') ctx.addIssue({ code: 'custom', message: r });
      })
      .optional(),
    /** Lower than the node's [system] autonomy_level for this goal; a higher one is refused when aiosd starts. */
    autonomy: AutonomyLevel.optional(),
  })
  .superRefine((e, ctx) => {
    if ((e.every === undefined) === (e.at === undefined))
      ctx.addIssue({ code: 'custom', message: 'give exactly one of every = "<duration>" or at = "<cron fields>"' });
  });
export type ScheduleEntry = z.output<typeof ScheduleEntry>;
