// The maintenance agent's default chores ([housekeeping]): old temp files, the journal, the apt
// cache, logs that grow unrotated. Each chore is a goal submitted through the goal engine with
// a plan of typed clean.* steps (tools/clean-tools.ts), so policy, approval and audit apply as to
// anyone's: under the node's autonomy a read-only chore runs at once and the others wait for a
// person unless autonomy_level = "full" allows them. A chore with nothing to do submits nothing;
// one whose last goal still waits is skipped, so unapproved goals do not pile up. Nothing under
// aiOS's own state (`keep`: the state and config directories) is ever proposed for removal.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ageMs } from '../../config/retention-schema.js';
import type { HousekeepingConfig } from '../../config/housekeeping-schema.js';
import type { GoalView, PlanStepSpec } from '../../protocol/model.js';
import { oldTempFiles } from '../../tools/clean-tools.js';
import type { Planner } from '../planner.js';
import type { MaintenanceJob } from './maintenance-agent.js';

const BUSY = new Set(['planning', 'awaiting_approval', 'running']);

export interface HousekeepingDeps {
  config: HousekeepingConfig;
  /** aiOS's own paths (state and config directories): never cleaned, whatever the config says. */
  keep: (path: string) => boolean;
  /** Whether systemd's journal is here to vacuum. */
  journald: () => boolean;
  submit: (text: string, planner: Planner) => Promise<GoalView>;
  stateOf: (goalId: string) => string | undefined;
}

interface Chore {
  name: string;
  what: string;
  /** The goal's text and its steps, or why there is nothing to do. */
  plan: () => { text: string; steps: PlanStepSpec[] } | string;
}

export function housekeepingJobs(d: HousekeepingDeps): MaintenanceJob[] {
  const c = d.config;
  if (!c.enabled) return [];
  const chores: Chore[] = [];
  if (c.temp_dirs.length > 0)
    chores.push({
      name: 'temp',
      what: `remove temp files unused for ${c.temp_age} under ${c.temp_dirs.join(', ')}`,
      plan: () => tempPlan(c, d.keep),
    });
  const journalAge = c.journal_age;
  if (journalAge !== false)
    chores.push({
      name: 'journal',
      what: `vacuum the journal to ${journalAge}`,
      plan: () =>
        d.journald()
          ? {
              text: `vacuum the journal to ${journalAge}`,
              steps: [
                step('clean.journal', { olderThan: journalAge }, `archived journal files older than ${journalAge}`),
              ],
            }
          : 'no journald here: nothing to vacuum',
    });
  const aptCache = c.apt_cache;
  if (aptCache !== false)
    chores.push({
      name: 'apt-cache',
      what: `clean apt's package cache in ${aptCache}`,
      plan: () =>
        d.keep(aptCache)
          ? `${aptCache} is aiOS's own state: never cleaned`
          : hasDebs(aptCache)
            ? {
                text: `clean the apt package cache in ${aptCache}`,
                steps: [step('clean.apt_cache', { cacheDir: aptCache }, 'downloaded packages apt can fetch again')],
              }
            : `no downloaded package in ${join(aptCache, 'archives')}`,
    });
  if (c.log_dirs.length > 0)
    chores.push({
      name: 'logs',
      what: `check for logs over ${c.log_max_bytes} bytes under ${c.log_dirs.join(', ')}`,
      plan: () => ({
        text: `check log rotation under ${c.log_dirs.join(', ')}`,
        steps: [
          step(
            'clean.log_check',
            { dirs: c.log_dirs, maxBytes: c.log_max_bytes },
            'logs that grow without rotation fill the disk',
          ),
        ],
      }),
    });
  const everyMs = ageMs(c.every);
  return chores.map((chore) => {
    let lastGoal: string | null = null;
    return {
      name: `housekeeping: ${chore.name}`,
      schedule: `every ${c.every}: ${chore.what}`,
      everyMs,
      run: async () => {
        const state = lastGoal === null ? undefined : d.stateOf(lastGoal);
        if (lastGoal !== null && state !== undefined && BUSY.has(state))
          return `skipped: its last goal ${lastGoal} is still ${state}`;
        const planned = chore.plan();
        if (typeof planned === 'string') return `nothing to do: ${planned}`;
        const g = await d.submit(`housekeeping: ${planned.text}`, fixedPlan(planned.steps));
        lastGoal = g.id;
        return `goal ${g.id} "${g.text}": ${g.state}`;
      },
    };
  });
}

function tempPlan(
  c: HousekeepingConfig,
  keep: (path: string) => boolean,
): { text: string; steps: PlanStepSpec[] } | string {
  const limit = ageMs(c.temp_age);
  const steps = c.temp_dirs.flatMap((dir) => {
    if (keep(dir)) return [];
    const files = oldTempFiles(dir, limit, keep);
    return files.length === 0
      ? []
      : [
          step(
            'clean.temp',
            { dir, olderThan: c.temp_age, files },
            `${files.length} file(s) under ${dir} unused for ${c.temp_age}`,
          ),
        ];
  });
  if (steps.length === 0) return `no file unused for ${c.temp_age} under ${c.temp_dirs.join(', ')}`;
  const count = steps.reduce((n, s) => n + ((s.args['files'] as unknown[] | undefined)?.length ?? 0), 0);
  return { text: `remove ${count} temp file(s) unused for ${c.temp_age}`, steps };
}

function hasDebs(cacheDir: string): boolean {
  try {
    return readdirSync(join(cacheDir, 'archives')).some((n) => n.endsWith('.deb'));
  } catch {
    return false;
  }
}

function step(tool: string, args: Record<string, unknown>, why: string): PlanStepSpec {
  return {
    id: '',
    agent: 'maintenance',
    tool,
    args,
    rationale: `housekeeping by the maintenance agent: ${why}`,
    risk: 'low',
    reversible: tool === 'clean.temp' || tool === 'clean.log_check',
    dependsOn: [],
  };
}

/** The chore's own plan: no model is asked, the steps are what the chore found. */
function fixedPlan(steps: PlanStepSpec[]): Planner {
  return {
    tier: 'direct',
    plan: () =>
      Promise.resolve({
        kind: 'plan',
        tier: 'direct',
        steps: steps.map((s, i) => ({ ...s, id: `s${i + 1}` })),
        explanation: "the maintenance agent's housekeeping ([housekeeping] in config.toml)",
      }),
  };
}
