// The soak, shortened for CI (about 25 s; `npm run bench` runs it longer, and for the hour
// with BENCH_SOAK_S=3600). Only invariants are asserted: no goal lost or run twice, every
// rollback done, the WAL under its cap, and memory that does not keep climbing (judged
// loosely, after warm-up, with room for the machine's noise). Never a timing.
// The second soak runs with retention on: a window of seconds, collected by the maintenance agent
// every second ([retention] every). After the window the database, less the audit ledger, stays
// flat; the ledger grows by a bounded number of bytes per goal, and still verifies.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { growth, runSoak } from '../../bench/soak.js';
import { disposeTestDaemon, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';

const SOAK_MS = Number(process.env['AIOS_SOAK_MS'] ?? 25_000);
const RETENTION_SOAK_MS = Number(process.env['AIOS_SOAK_RETENTION_MS'] ?? 30_000);
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

describe('soak with retention on', () => {
  const windowS = 5;
  let r: TestDaemon | undefined;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aios-soak-retention-'));
    writeFileSync(
      join(dir, 'config.toml'),
      `[retention]\ngoals = "${windowS}s"\nevents = "${windowS}s"\nmemories = "${windowS}s"\nevery = "1s"\n`,
    );
    r = await startTestDaemon({ dir });
  });
  afterAll(async () => {
    await disposeTestDaemon(r);
  });

  it(
    `goals collected ${windowS} s after they end, for ${RETENTION_SOAK_MS / 1000} s: the database less the ledger flat, the ledger bounded per goal and verifying`,
    async () => {
      const d = r as TestDaemon;
      const work = join(d.dir, 'work');
      mkdirSync(work);
      const res = await runSoak({
        socketPath: d.socketPath,
        stateDir: d.stateDir,
        workDir: work,
        daemonPid: d.proc.pid ?? 0,
        durationMs: RETENTION_SOAK_MS,
        sessions: 10,
        goalsPerCycle: 10,
        retention: { windowMs: windowS * 1000, everyMs: 1000 },
      });
      const f = res.retention;
      if (f === undefined) throw new Error('no retention figures');
      console.log(
        `soak with retention: ${res.cycles} cycles, ${res.submitted} goals, ${f.goalsKeptEnd} kept at the end; rest of the database ${(f.restSteadyStartBytes / 1024).toFixed(0)} → ${(f.restEndBytes / 1024).toFixed(0)} KiB after the window (growth ${(f.restGrowthBytes / 1024).toFixed(0)} KiB, ${f.restGrowthPerGoalBytes.toFixed(0)} B a goal; ${f.restPerGoalBytes.toFixed(0)} B a goal before collection); ledger ${(f.ledgerEndBytes / 1024).toFixed(0)} KiB, ${f.ledgerBytesPerGoal.toFixed(0)} B a goal; blob files ${(f.blobFileBytesEnd / 1024).toFixed(0)} KiB; RSS growth ${res.rssGrowthKb} KiB`,
      );
      // The soak's own invariants hold while goals are collected under it.
      expect(res.lost).toBe(0);
      expect(res.ranTwice).toBe(0);
      expect(res.succeeded).toBe(res.submitted);
      expect(res.rolledBack).toBe(res.cycles * 5);
      expect(res.walMaxBytes).toBeLessThan(WAL_CAP);
      expect(res.rssGrowthKb).toBeLessThan(64 * 1024);

      const c = await d.client();
      // The maintenance agent collected, and most goals are gone.
      const ledger = await c.call('audit/list', { limit: 1000 });
      const runs = ledger.entries.filter((e) => e.action === 'gc.run' && e.actor === 'aiosd');
      expect(runs.some((e) => Number((e.detail as { goals?: number }).goals) > 0)).toBe(true);
      expect(f.goalsKeptEnd).toBeLessThan(res.submitted / 2);
      // Flat after the window: without collection each goal adds restPerGoalBytes to the pages
      // not the ledger's; after the window, a goal leaves less than a fifth of that.
      expect(f.steadySamples).toBeGreaterThanOrEqual(4);
      expect(f.restPerGoalBytes).toBeGreaterThan(0);
      expect(f.restGrowthPerGoalBytes).toBeLessThan(f.restPerGoalBytes / 5);
      expect(f.restEndBytes).toBeLessThan(f.restPerGoalBytes * res.submitted * 0.5);
      // The ledger is kept whole: bounded bytes per goal (its tool calls, approvals, rollbacks), and it verifies.
      expect(f.ledgerBytesPerGoal).toBeGreaterThan(0);
      expect(f.ledgerBytesPerGoal).toBeLessThan(8 * 1024);
      const verified = await c.call('audit/verify', {});
      expect(verified.ok, JSON.stringify(verified)).toBe(true);
      c.close();
    },
    RETENTION_SOAK_MS + 90_000,
  );
});
