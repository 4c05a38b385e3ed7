// `aios schedule list`: the [[schedule]] entries, when each fires next and how its last goal went.
import type { ScheduleView } from '../protocol/schedule.js';
import { sanitize } from '../text/sanitize.js';
import { withClient, type Io } from './commands.js';

const one = (s: string): string => sanitize(s, { singleLine: true });

export function scheduleListCommand(socketPath: string, io: Io): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    const { schedules } = await client.call('schedule/list', {});
    if (io.json) io.out(JSON.stringify({ schedules }));
    else io.out(schedules.length === 0 ? 'no schedules ([[schedule]] in config.toml)' : schedules.map(line).join('\n'));
    return 0;
  });
}

function line(s: ScheduleView): string {
  const when = s.every === null ? `at "${s.at ?? ''}"` : `every ${s.every}`;
  const autonomy = s.autonomy === null ? '' : `, autonomy ${s.autonomy}`;
  const last =
    s.lastGoalId === null
      ? 'not fired yet'
      : `last ${s.lastAt ?? '?'}: goal ${s.lastGoalId.slice(-8)} ${s.lastState ?? '(no longer kept)'}`;
  const head = `${one(s.name)}: "${one(s.goal)}" ${when}${autonomy}`;
  if (s.problem !== null) return `${head}\n    NOT SCHEDULED: ${one(s.problem)}`;
  return `${head}\n    next ${s.nextAt ?? 'never'}; ${last}; fired ${s.fired}, skipped ${s.skipped} (last goal still open)`;
}
