// The maintenance agent's jobs as `aios agents` lists them: waits for a job's last result to
// match, and returns the goal that run submitted (housekeeping chores).
import { utimesSync, writeFileSync } from 'node:fs';
import type { AiosClient } from '../../src/protocol/client.js';
import type { GoalView } from '../../src/protocol/model.js';
import { eventually } from './until.js';

export async function jobGoal(c: AiosClient, name: string, match: RegExp): Promise<GoalView> {
  let seen: unknown;
  const last = await eventually(
    () => `job ${name} to match ${String(match)}: ${JSON.stringify(seen)}`,
    async () => {
      const jobs = (await c.call('agents/list', {})).agents.find((a) => a.name === 'maintenance')?.jobs;
      seen = jobs;
      const s = jobs?.find((j) => j.name === name)?.last?.summary;
      return s !== undefined && match.test(s) ? s : null;
    },
    60_000,
  );
  return c.call('goal/get', { goalId: /goal (\w{26})/.exec(last)?.[1] ?? '' });
}

/** A file neither read nor written for 40 days: what the temp chore collects. */
export function oldFile(path: string, content = 'old\n'): string {
  writeFileSync(path, content);
  const longAgo = new Date(Date.now() - 40 * 86_400_000);
  utimesSync(path, longAgo, longAgo);
  return path;
}
