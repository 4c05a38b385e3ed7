// The maintenance agent as aiosd runs it: retention daily and when the state directory's
// filesystem runs low ([retention] low_disk_pct), and the housekeeping goals ([housekeeping]).
import type { AiosConfig } from '../config/config.js';
import { retentionSettings } from '../config/retention-schema.js';
import type { AgentMesh } from '../agents/mesh/agent-mesh.js';
import { diskFill, MaintenanceAgent, type MaintenanceJob } from '../agents/maintenance/maintenance-agent.js';
import type { Logger } from './logger.js';
import { collectedBytes, describeCollected, type Retention } from './retention.js';

const DAY_MS = 86_400_000;
/** How often the state directory's filesystem is looked at: statfs is cheap. */
const DISK_CHECK_MS = 5000;
/** A disk that stays full after a collection is not collected again within this long. */
const LOW_DISK_QUIET_MS = 3_600_000;

export function maintenanceAgent(d: {
  stateDir: string;
  readOnly: boolean;
  config: AiosConfig;
  mesh: AgentMesh;
  retention: Retention;
  alert: (message: string) => void;
  log: Logger;
  /** Housekeeping goals (src/daemon/housekeeping-setup.ts). */
  jobs?: readonly MaintenanceJob[];
}): MaintenanceAgent {
  const pct = retentionSettings(d.config.retention).low_disk_pct;
  const retentionJob: MaintenanceJob = {
    name: 'retention',
    schedule: `daily, and at once when the state directory's filesystem is ${pct}% full ([retention])`,
    everyMs: DAY_MS,
    run: () => Promise.resolve(`collected ${describeCollected(d.retention.collectRecorded('daily'))}`),
  };
  return new MaintenanceAgent({
    agent: () => d.mesh.get('maintenance'),
    // A read-only state directory cannot be collected: the jobs would only fail every day.
    jobs: d.readOnly ? [] : [retentionJob, ...(d.jobs ?? [])],
    lowDisk: d.readOnly
      ? null
      : {
          pct,
          fill: () => diskFill(d.stateDir),
          collect: (fill) => {
            const r = d.retention.collectRecorded('low-disk', { usedPct: Math.round(fill.usedPct) });
            return { summary: describeCollected(r), bytes: collectedBytes(r) };
          },
          notify: d.alert,
          everyMs: DISK_CHECK_MS,
          quietMs: LOW_DISK_QUIET_MS,
        },
    log: { info: (m) => d.log(m), warn: (m) => d.log.warn(m) },
  });
}
