// [[schedule]] in a real built aiosd: an entry fires, its goal is submitted as the `schedule`
// actor under the entry's lower autonomy and recorded in the ledger; `aios schedule list` says how
// each entry stands, and an entry asking for more autonomy than the node has is not scheduled.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GoalView } from '../../src/protocol/model.js';
import type { ScheduleView } from '../../src/protocol/schedule.js';
import { nextCron, parseCron } from '../../src/config/cron.js';
import { runCli } from '../helpers/aios-cli.js';
import { disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/until.js';

let d: TestDaemon | undefined;
afterAll(async () => {
  await disposeTestDaemon(d);
});

describe('schedules', () => {
  it("fires a goal as the schedule actor, under the entry's lower autonomy, and lists every entry", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aios-schedule-'));
    writeFileSync(
      join(dir, 'config.toml'),
      `
[[schedule]]
name = "disk check"
goal = "disk usage"
every = "1s"
autonomy = "manual"

[[schedule]]
name = "nightly"
goal = "disk usage"
at = "0 3 * * *"

[[schedule]]
name = "too free"
goal = "list processes"
every = "1h"
autonomy = "full"
`,
    );
    const daemon = await startTestDaemon({ dir });
    d = daemon;
    const c = await daemon.client();
    const fired = await eventually(
      () => 'a goal from the schedule',
      async () =>
        (await c.call('goal/list', { limit: 20 })).goals.find(
          (g: GoalView) => g.submittedBy === 'schedule' && g.state !== 'planning',
        ),
    );
    expect(fired.text).toBe('disk usage');
    // Read-only, it would run on its own under the node's "supervised"; the entry's "manual" makes it wait.
    expect(fired.state).toBe('awaiting_approval');
    const ledger = (await c.call('audit/list', { limit: 200 })).entries;
    expect(ledger).toContainEqual(
      expect.objectContaining({ actor: 'schedule', action: 'schedule.fire', subject: fired.id }),
    );

    const list = async (): Promise<ScheduleView[]> =>
      (JSON.parse((await runCli(daemon, ['schedule', 'list', '--json'])).stdout) as { schedules: ScheduleView[] })
        .schedules;
    // While its goal waits for approval, later firings are skipped, not piled up.
    const [check, nightly, tooFree] = await eventually(
      () => 'a skipped firing',
      async () => {
        const l = await list();
        return (l[0]?.skipped ?? 0) >= 1 ? l : null;
      },
    );
    expect(check).toMatchObject({
      name: 'disk check',
      fired: 1,
      lastGoalId: fired.id,
      lastState: 'awaiting_approval',
      autonomy: 'manual',
      problem: null,
    });
    expect((await c.call('goal/list', { limit: 50 })).goals.filter((g) => g.submittedBy === 'schedule')).toHaveLength(
      1,
    );
    expect(nightly).toMatchObject({ at: '0 3 * * *', fired: 0, problem: null });
    expect(new Date(nightly?.nextAt ?? '').getHours()).toBe(3);
    expect(tooFree).toMatchObject({
      fired: 0,
      nextAt: null,
      problem: 'autonomy "full" is higher than the node\'s ("supervised"): not scheduled',
    });
    const text = await runCli(daemon, ['schedule', 'list']);
    expect(text.stdout).toMatch(/too free: "list processes" every 1h, autonomy full\n {4}NOT SCHEDULED/);
    expect(daemon.log()).toMatch(/schedule "too free": autonomy "full" is higher/);
    c.close();
  });

  it('reads cron-style times as cron does', () => {
    const at = (spec: string, from: string): string => {
      const s = parseCron(spec);
      if (typeof s === 'string') throw new Error(s);
      const n = nextCron(s, new Date(from));
      return n === null
        ? 'never'
        : `${n.getFullYear()}-${n.getMonth() + 1}-${n.getDate()} ${n.getHours()}:${n.getMinutes()}`;
    };
    expect(at('0 3 * * *', '2026-01-01T03:00:00')).toBe('2026-1-2 3:0');
    expect(at('*/15 * * * *', '2026-01-01T10:07:30')).toBe('2026-1-1 10:15');
    expect(at('30 8 * * 1-5', '2026-01-03T12:00:00')).toBe('2026-1-5 8:30'); // Saturday → Monday
    expect(at('0 0 1 * 0', '2026-02-02T00:00:00')).toBe('2026-2-8 0:0'); // day 1 or a Sunday, as cron
    expect(at('0 0 30 2 *', '2026-01-01T00:00:00')).toBe('never');
    expect(parseCron('61 * * * *')).toMatch(/minute: "61" is outside 0-59/);
    expect(parseCron('* * *')).toMatch(/five fields/);
  });
});
