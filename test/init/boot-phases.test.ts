// The phase runner and the timeline it keeps in the state dir, as `aios boot` reads it back.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runPhases, type BootPhase } from '../../init/boot/phase-runner.js';
import { bootChart, bootSummary, phaseDetails } from '../../src/cli/boot-chart.js';
import { TimelineRecorder } from '../../init/timeline/timeline-recorder.js';
import {
  bootTimelineView,
  currentBootId,
  readTimeline,
  timelinePath,
  writeTimeline,
} from '../../src/files/boot-timeline-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aios-phases-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A clock the phases move forward by hand, in seconds since "kernel start". */
function manualClock(start: number): { now: () => number; advance: (s: number) => void } {
  let t = start;
  return {
    now: () => t,
    advance: (s) => {
      t += s;
    },
  };
}

function recorder(
  clock: () => number,
  phases: ReadonlyArray<{ name: string; title: string }>,
  mode: 'pid1' | 'foreground' = 'pid1',
): TimelineRecorder {
  return new TimelineRecorder({ stateDir: dir, clock, bootId: currentBootId(), mode, node: 'n1' }, phases);
}

describe('boot phases', () => {
  it('runs the phases in order, times each, and records the boot as ready', async () => {
    const clock = manualClock(2.5);
    const seen: string[] = [];
    const phases: Array<BootPhase<null>> = ['hardware', 'ai-runtime', 'core-services'].map((name, i) => ({
      name,
      title: name,
      run: () => {
        seen.push(name);
        // While a phase runs the file already says so.
        expect(readTimeline(dir)?.phases[i]?.status).toBe('running');
        clock.advance(i + 1);
        return Promise.resolve({ status: 'ok' as const, details: [`${name} fine`] });
      },
    }));
    const rec = recorder(clock.now, phases);
    expect(await runPhases(phases, null, rec, { log: () => undefined, phaseTimeoutMs: 5000 })).toBe('ready');
    expect(seen).toEqual(['hardware', 'ai-runtime', 'core-services']);
    const t = readTimeline(dir);
    expect(t?.state).toBe('ready');
    expect(t?.phases.map((p) => [p.name, p.status, p.startS, p.endS])).toEqual([
      ['hardware', 'ok', 2.5, 3.5],
      ['ai-runtime', 'ok', 3.5, 5.5],
      ['core-services', 'ok', 5.5, 8.5],
    ]);
    expect(t?.initStartS).toBe(2.5);
    expect(t?.readyS).toBe(8.5);
  });

  it('goes on after a phase fails, throws or hangs, and ends degraded', async () => {
    const logs: string[] = [];
    const phases: Array<BootPhase<null>> = [
      {
        name: 'a',
        title: 'fails',
        run: () => Promise.resolve({ status: 'failed', details: [], error: 'below the minimum' }),
      },
      { name: 'b', title: 'throws', run: () => Promise.reject(new Error('no such device')) },
      {
        name: 'c',
        title: 'hangs',
        run: (_ctx, signal) =>
          new Promise((resolve) => signal.addEventListener('abort', () => resolve({ status: 'ok', details: [] }))),
      },
      { name: 'd', title: 'still runs', run: () => Promise.resolve({ status: 'skipped', details: ['nothing to do'] }) },
    ];
    const state = await runPhases(
      phases,
      null,
      recorder(() => 1, phases),
      { log: (l) => logs.push(l), phaseTimeoutMs: 100 },
    );
    expect(state).toBe('degraded');
    const t = readTimeline(dir);
    expect(t?.phases.map((p) => [p.status, p.error])).toEqual([
      ['failed', 'below the minimum'],
      ['failed', 'no such device'],
      ['failed', 'did not finish within 0 s'],
      ['skipped', null],
    ]);
    expect(logs).toContain('phase b: failed — no such device');
  });

  it('marks a timeline from an earlier boot as stale', () => {
    const rec = recorder(() => 1, [{ name: 'x', title: 'x' }]);
    rec.finish('ready');
    expect(bootTimelineView(dir).stale).toBe(false);
    writeTimeline(dir, { ...rec.snapshot(), bootId: 'an-earlier-boot' });
    expect(bootTimelineView(dir)).toMatchObject({ stale: true, timeline: { bootId: 'an-earlier-boot' } });
  });

  it('reads a missing or damaged timeline as none', () => {
    expect(readTimeline(dir)).toBeNull();
    rmSync(dir, { recursive: true });
    expect(bootTimelineView(dir)).toEqual({ timeline: null, stale: false });
  });

  it('keeps the timeline in memory when the state dir cannot be written', () => {
    const logs: string[] = [];
    const rec = new TimelineRecorder(
      {
        stateDir: join(dir, 'missing', 'deeper'),
        clock: () => 1,
        bootId: 'b',
        mode: 'pid1',
        node: 'n',
        log: (l) => logs.push(l),
      },
      [{ name: 'x', title: 'x' }],
    );
    rec.finish('ready');
    expect(rec.snapshot().state).toBe('ready');
    expect(logs[0]).toMatch(/cannot write the boot timeline/);
  });
});

describe('the boot chart', () => {
  it('draws the kernel and each phase on one time axis, with the totals', async () => {
    const clock = manualClock(2);
    const names = ['hardware', 'ai-runtime', 'core-services', 'agent-spawn', 'autonomy'];
    const phases: Array<BootPhase<null>> = names.map((name, i) => ({
      name,
      title: name,
      run: () => {
        clock.advance([1, 0, 4, 1, 2][i] ?? 0);
        return Promise.resolve({
          status: name === 'ai-runtime' ? 'skipped' : 'ok',
          details: ['found \u001b[31mred\u001b[0m'],
        });
      },
    }));
    const rec = recorder(clock.now, phases);
    await runPhases(phases, null, rec, { log: () => undefined, phaseTimeoutMs: 1000 });
    rec.service({ name: 'aiosd', state: 'running', pid: 42, starts: 1, lastExit: null });
    const t = rec.snapshot();
    expect(bootSummary(t, false)).toBe(
      'boot ready: 2.00 s (kernel) + 8.00 s (aios-init) = 10.0 s from kernel start to autonomy',
    );
    const chart = bootChart(t, false, 73); // a 40-column axis
    const row = (name: string): string => chart.find((l) => l.startsWith(name)) ?? '';
    // 10 s across a 40-column axis: the kernel takes the first 8 columns, core-services 16.
    expect(row('kernel')).toMatch(/^kernel\s+2\.00 s {2}\|={8}$/);
    expect(row('core-services')).toMatch(/\| {12}#{16}$/);
    expect(row('ai-runtime')).toMatch(/\| {12}-\s+skipped$/);
    const details = phaseDetails(t).join('\n');
    expect(details).toContain('found ^[[31mred^[[0m');
    expect(details).toMatch(/aiosd\s+running\s+pid 42\s+starts 1/);
  });

  it('says when a boot has not finished, or is from an earlier boot', () => {
    const rec = recorder(() => 3, [{ name: 'x', title: 'x' }], 'foreground');
    expect(bootSummary(rec.snapshot(), false)).toBe('boot booting: aios-init started at 3.00 s, not finished');
    rec.finish('degraded');
    expect(bootSummary(rec.snapshot(), true)).toBe(
      'boot degraded, from an earlier boot: 0.00 s (aios-init) to autonomy',
    );
    expect(JSON.parse(readFileSync(timelinePath(dir), 'utf8'))).toMatchObject({
      state: 'degraded',
      mode: 'foreground',
    });
  });
});
