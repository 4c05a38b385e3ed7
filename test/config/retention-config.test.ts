// [retention]: ages with a day suffix, the auto-snapshot count from [recovery], and what is refused at load.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config.js';
import { configFromText } from '../helpers/config-text.js';
import { ageMs } from '../../src/config/retention-schema.js';
import { retentionLimits } from '../../src/daemon/retention.js';

const { load } = configFromText('aios-config-');

const DAY = 86_400_000;

describe('[retention]', () => {
  it('defaults to 90 days of goals, 30 of events, 180 of memories and [recovery] max_snapshots', () => {
    const { config } = load('[recovery]\nmax_snapshots = 7\n');
    expect(config.retention).toBeUndefined();
    expect(retentionLimits(config.retention, config.recovery.max_snapshots)).toEqual({
      goalsMs: 90 * DAY,
      eventsMs: 30 * DAY,
      memoriesMs: 180 * DAY,
      autoSnapshots: 7,
    });
  });

  it('takes its keys, and --older-than replaces every age', () => {
    const { config } = load('[retention]\ngoals = "10d"\nevents = "12h"\nauto_snapshots = 3\n');
    expect(retentionLimits(config.retention, 24)).toEqual({
      goalsMs: 10 * DAY,
      eventsMs: 12 * 3_600_000,
      memoriesMs: 180 * DAY,
      autoSnapshots: 3,
    });
    expect(retentionLimits(config.retention, 24, '1d')).toMatchObject({ goalsMs: DAY, eventsMs: DAY, memoriesMs: DAY });
    expect(ageMs('1.5d')).toBe(1.5 * DAY);
    expect(() => ageMs('soon')).toThrow(/not an age/);
  });

  it.each(['[retention]\ngoals = "90 days"\n', '[retention]\nauto_snapshots = 0\n', '[retention]\nlogs = "7d"\n'])(
    'refuses %j at load',
    (text) => {
      expect(() => load(text)).toThrow(ConfigError);
    },
  );
});
