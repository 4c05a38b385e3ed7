// The boot timeline aios-init records and `aios boot` shows: each phase with its times in
// seconds since the kernel started (from /proc/uptime), and the services it supervises.
import { z } from 'zod';

export const BootPhaseStatus = z.enum(['pending', 'running', 'ok', 'warn', 'failed', 'skipped']);
export type BootPhaseStatus = z.infer<typeof BootPhaseStatus>;

export const BootPhaseRecord = z.object({
  name: z.string(),
  title: z.string(),
  status: BootPhaseStatus,
  startS: z.number().nullable(),
  endS: z.number().nullable(),
  /** What the phase found or did, one fact a line: untrusted text, sanitise before display. */
  details: z.array(z.string()),
  error: z.string().nullable(),
});
export type BootPhaseRecord = z.infer<typeof BootPhaseRecord>;

export const ServiceRecord = z.object({
  name: z.string(),
  state: z.string(),
  pid: z.number().nullable(),
  starts: z.number(),
  lastExit: z.string().nullable(),
});
export type ServiceRecord = z.infer<typeof ServiceRecord>;

export const BootTimeline = z.object({
  /** The kernel's boot id: a timeline from another boot is shown as stale. */
  bootId: z.string(),
  /** pid1: init of the aiOS image; service: under systemd; foreground: started by hand. */
  mode: z.enum(['pid1', 'service', 'foreground']),
  node: z.string(),
  wallStart: z.string(),
  /** Kernel uptime when aios-init started. */
  initStartS: z.number(),
  state: z.enum(['booting', 'ready', 'degraded', 'failed', 'stopping']),
  /** Kernel uptime when the autonomy phase finished. */
  readyS: z.number().nullable(),
  phases: z.array(BootPhaseRecord),
  services: z.array(ServiceRecord),
});
export type BootTimeline = z.infer<typeof BootTimeline>;
