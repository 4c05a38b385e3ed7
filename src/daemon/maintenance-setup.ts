// The maintenance agent as aiosd runs it: retention daily ([retention] every) and when the state directory's
// filesystem runs low ([retention] low_disk_pct), and the housekeeping goals ([housekeeping]).
import { existsSync } from 'node:fs';
import type { AiosConfig } from '../config/config.js';
import { HousekeepingConfig } from '../config/housekeeping-schema.js';
import { housekeepingJobs } from '../agents/maintenance/housekeeping.js';
import type { Planner } from '../agents/planner.js';
import type { GoalView } from '../protocol/model.js';
import { ageMs, retentionSettings } from '../config/retention-schema.js';
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
  /** Submits a housekeeping goal as the maintenance agent, with the chore's own plan. */
  submit: (text: string, planner: Planner) => Promise<GoalView>;
  stateOf: (goalId: string) => string | undefined;
  /** aiOS's own paths (state and config directories): housekeeping never touches them. */
  keep: (path: string) => boolean;
}): MaintenanceAgent {
  const { low_disk_pct: pct, every } = retentionSettings(d.config.retention);
  const everyMs = ageMs(every);
  const when = everyMs === DAY_MS ? 'daily' : `every ${every}`;
  const retentionJob: MaintenanceJob = {
    name: 'retention',
    schedule: `${when}, and at once when the state directory's filesystem is ${pct}% full ([retention])`,
    everyMs,
    run: () => Promise.resolve(`collected ${describeCollected(d.retention.collectRecorded(when))}`),
  };
  return new MaintenanceAgent({
    agent: () => d.mesh.get('maintenance'),
    // A read-only state directory cannot be collected: the jobs would only fail every day.
    jobs: d.readOnly
      ? []
      : [
          retentionJob,
          ...housekeepingJobs({
            config: d.config.housekeeping ?? HousekeepingConfig.parse({}),
            keep: d.keep,
            journald: () => existsSync('/run/systemd/journal/socket'),
            submit: d.submit,
            stateOf: d.stateOf,
          }),
        ],
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
