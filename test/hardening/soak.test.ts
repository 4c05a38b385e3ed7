// The soak, shortened for CI (about 25 s; `npm run bench` runs it longer, and for the hour
// with BENCH_SOAK_S=3600). Only invariants are asserted: no goal lost or run twice, every
// rollback done, the WAL under its cap, and memory that does not keep climbing (judged
// loosely, after warm-up, with room for the machine's noise). Never a timing.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { growth, runSoak } from '../../bench/soak.js';
import { disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

const SOAK_MS = Number(process.env['AIOS_SOAK_MS'] ?? 25_000);
const WAL_CAP = 64 * 1024 * 1024;

let d: TestDaemon;
beforeAll(async () => {
  d = await startTestDaemon();
});
afterAll(async () => {
  await disposeTestDaemon(d);
});

describe('soak', () => {
  it('growth() measures after warm-up, and is not fooled by one odd sample', () => {
    expect(growth([100, 50, 50, 50, 50, 50, 50, 50])).toBe(0);
    expect(growth([10, 10, 20, 20, 30, 30, 40, 40])).toBe(20);
    expect(growth([10, 10, 10, 10, 10, 10, 90, 10])).toBe(0);
  });

  it(
    `sessions, goals approved and rolled back for ${SOAK_MS / 1000} s: nothing lost or run twice, WAL bounded, memory flat`,
    async () => {
      const work = join(d.dir, 'work');
      mkdirSync(work);
      const r = await runSoak({
        socketPath: d.socketPath,
        stateDir: d.stateDir,
        workDir: work,
        daemonPid: d.proc.pid ?? 0,
        durationMs: SOAK_MS,
        sessions: 10,
        goalsPerCycle: 10,
      });
      expect(r.cycles).toBeGreaterThanOrEqual(3);
      expect(r.lost).toBe(0);
      expect(r.ranTwice).toBe(0);
      expect(r.succeeded).toBe(r.submitted);
      expect(r.rolledBack).toBe(r.cycles * 5);
      expect(r.walMaxBytes).toBeLessThan(WAL_CAP);
      // Loose on purpose: a leak of a goal's worth of memory per goal would show as far more than this.
      expect(r.rssGrowthKb).toBeLessThan(64 * 1024);
      expect(r.heapGrowthBytes).toBeLessThan(32 * 1024 * 1024);
      console.log(
        `soak: ${r.cycles} cycles, ${r.submitted} goals, ${r.rolledBack} rolled back; RSS ${r.samples[0]?.rssKb} → ${r.samples.at(-1)?.rssKb} KiB (growth after warm-up ${r.rssGrowthKb} KiB); heap growth ${(r.heapGrowthBytes / 1024).toFixed(0)} KiB; WAL max ${(r.walMaxBytes / 1024).toFixed(0)} KiB`,
      );
    },
    SOAK_MS + 60_000,
  );
});
