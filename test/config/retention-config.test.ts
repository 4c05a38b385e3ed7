// [retention]: ages with a day suffix, the old names of its keys ([recovery] max_snapshots,
// [monitor] keep_hours) read with a warning, and what is refused at load.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { configFromText } from '../helpers/config-text.js';
import { ageMs, retentionSettings } from '../../src/config/retention-schema.js';
import { retentionLimits } from '../../src/daemon/retention.js';

const { load, dir } = configFromText('aios-config-');

const DAY = 86_400_000;

describe('[retention]', () => {
  it('defaults to 90 days of goals, 30 of events, 180 of memories, a year of ledger, 24 automatic snapshots and a day of samples', () => {
    const { config, warnings } = load('');
    expect(config.retention).toBeUndefined();
    expect(warnings).toEqual([]);
    expect(retentionLimits(config.retention)).toEqual({
      goalsMs: 90 * DAY,
      eventsMs: 30 * DAY,
      memoriesMs: 180 * DAY,
      autoSnapshots: 24,
      ledgerMs: 365 * DAY,
    });
    expect(retentionSettings(config.retention).metrics).toBe('24h');
  });

  it('takes its keys, and --older-than replaces every age', () => {
    const { config } = load('[retention]\ngoals = "10d"\nevents = "12h"\nauto_snapshots = 3\nledger = "30d"\n');
    expect(retentionLimits(config.retention)).toEqual({
      goalsMs: 10 * DAY,
      eventsMs: 12 * 3_600_000,
      memoriesMs: 180 * DAY,
      autoSnapshots: 3,
      ledgerMs: 30 * DAY,
    });
    expect(retentionLimits(config.retention, '1d')).toMatchObject({
      goalsMs: DAY,
      eventsMs: DAY,
      memoriesMs: DAY,
      ledgerMs: DAY,
    });
    expect(ageMs('1.5d')).toBe(1.5 * DAY);
    expect(() => ageMs('soon')).toThrow(/not an age/);
  });

  it.each([
    '[retention]\ngoals = "90 days"\n',
    '[retention]\nauto_snapshots = 0\n',
    '[retention]\nlogs = "7d"\n',
    '[retention]\nevery = "0s"\n',
  ])('refuses %j at load', (text) => {
    expect(() => load(text)).toThrow(ConfigError);
  });
});

describe('the old names of [retention] keys', () => {
  it('reads [recovery] max_snapshots and [monitor] keep_hours as [retention] keys, warning with the new names', () => {
    const { config, warnings } = load(
      '[recovery]\nmax_snapshots = 7\nsnapshot_interval = "daily"\n[monitor]\nkeep_hours = 48\n',
    );
    expect(retentionLimits(config.retention).autoSnapshots).toBe(7);
    expect(retentionSettings(config.retention).metrics).toBe('48h');
    expect(config.recovery.snapshot_interval).toBe('daily');
    expect(warnings.map((w) => [w.key, w.newKey])).toEqual([
      ['recovery.max_snapshots', 'retention.auto_snapshots'],
      ['monitor.keep_hours', 'retention.metrics'],
    ]);
    expect(warnings[0]?.instead).toMatch(/read as \[retention\] auto_snapshots = 7; write that instead/);
    expect(warnings[1]?.instead).toMatch(/read as \[retention\] metrics = "48h"/);
  });

  it('lets the new key win where a file has both, and says the old one is ignored', () => {
    const { config, warnings } = load('[recovery]\nmax_snapshots = 7\n[retention]\nauto_snapshots = 3\n');
    expect(retentionLimits(config.retention).autoSnapshots).toBe(3);
    expect(warnings[0]?.instead).toMatch(/ignored: this file also sets retention\.auto_snapshots, which wins/);
  });

  it("lets a later file's new key win over an earlier file's old one", () => {
    const d = dir();
    writeFileSync(join(d, 'system.toml'), '[recovery]\nmax_snapshots = 7\n');
    writeFileSync(join(d, 'user.toml'), '[retention]\nauto_snapshots = 2\n');
    const { config } = loadConfig({ systemFile: join(d, 'system.toml'), userFile: join(d, 'user.toml'), env: {} });
    expect(retentionLimits(config.retention).autoSnapshots).toBe(2);
  });

  it.each([
    [
      '[recovery]\nmax_snapshots = 0\n',
      /recovery\.max_snapshots: expected a whole number .*better: \[retention\] auto_snapshots/,
    ],
    [
      '[monitor]\nkeep_hours = "a day"\n',
      /monitor\.keep_hours: expected a number of hours .*better: \[retention\] metrics/,
    ],
  ])('refuses a bad old value under its own name: %j', (text, message) => {
    expect(() => load(text)).toThrow(message);
  });
});
