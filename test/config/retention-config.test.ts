// [retention]: ages with a day suffix, the auto-snapshot count from [recovery], and what is refused at load.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { ageMs } from '../../src/config/retention-schema.js';
import { retentionLimits } from '../../src/daemon/retention.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'aios-config-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function load(text: string) {
  const file = join(dir, 'config.toml');
  writeFileSync(file, text);
  return loadConfig({ systemFile: file, userFile: null, env: {} });
}

const DAY = 86_400_000;

describe('[retention]', () => {
  it('defaults to 90 days of goals, 30 of events, 180 of memories and [recovery] max_snapshots', () => {
    const { config } = load('[recovery]\nmax_snapshots = 7\n');
    expect(config.retention).toBeUndefined();
    expect(retentionLimits(config.retention, config.recovery.max_snapshots)).toEqual({ goalsMs: 90 * DAY, eventsMs: 30 * DAY, memoriesMs: 180 * DAY, autoSnapshots: 7 });
  });

  it('takes its keys, and --older-than replaces every age', () => {
    const { config } = load('[retention]\ngoals = "10d"\nevents = "12h"\nauto_snapshots = 3\n');
    expect(retentionLimits(config.retention, 24)).toEqual({ goalsMs: 10 * DAY, eventsMs: 12 * 3_600_000, memoriesMs: 180 * DAY, autoSnapshots: 3 });
    expect(retentionLimits(config.retention, 24, '1d')).toMatchObject({ goalsMs: DAY, eventsMs: DAY, memoriesMs: DAY });
    expect(ageMs('1.5d')).toBe(1.5 * DAY);
    expect(() => ageMs('soon')).toThrow(/not an age/);
  });

  it.each(['[retention]\ngoals = "90 days"\n', '[retention]\nauto_snapshots = 0\n', '[retention]\nlogs = "7d"\n'])('refuses %j at load', (text) => {
    expect(() => load(text)).toThrow(ConfigError);
  });
});
