// The maintenance agent's jobs run on its own queue (so `aios agents` shows it busy with them),
// timed from aiosd's start and armed again after each run; a job that fails is its result, not a
// fault of the agent.
import { describe, expect, it } from 'vitest';
import { MaintenanceAgent } from '../../src/agents/maintenance/maintenance-agent.js';
import { AgentWorker } from '../../src/agents/mesh/agent-worker.js';
import { eventually } from '../helpers/until.js';

function worker(faults: string[]): AgentWorker {
  return new AgentWorker({
    name: 'maintenance',
    domain: 'clean-up and housekeeping',
    concurrency: 1,
    onFault: (_a, reason) => faults.push(reason),
    onChange: () => undefined,
  });
}

describe('MaintenanceAgent', () => {
  it('runs each job on the agent every interval, and lists its schedule, next run and last result', async () => {
    const faults: string[] = [];
    const w = worker(faults);
    const seenRunning: string[][] = [];
    let runs = 0;
    const agent = new MaintenanceAgent({
      agent: () => w,
      jobs: [
        {
          name: 'tick',
          schedule: 'every 50 ms',
          everyMs: 50,
          run: () => {
            seenRunning.push(w.snapshot().currentTasks);
            runs++;
            return Promise.resolve(`run ${runs}`);
          },
        },
        { name: 'broken', schedule: 'every 50 ms', everyMs: 50, run: () => Promise.reject(new Error('no journald')) },
      ],
      lowDisk: null,
      log: { info: () => undefined, warn: () => undefined },
    });
    expect(agent.views().map((v) => v.next)).toEqual([null, null]);
    agent.start();
    try {
      expect(agent.views()[0]?.next).not.toBeNull();
      await eventually('three runs', () => runs >= 3);
      await eventually('the broken job to have run', () => agent.views()[1]?.last !== null);
    } finally {
      agent.stop();
    }
    expect(seenRunning[0]).toEqual(['tick']);
    expect(agent.views()[0]?.last).toMatchObject({ ok: true, summary: expect.stringMatching(/^run \d+$/) as string });
    expect(agent.views()[1]?.last).toMatchObject({ ok: false, summary: 'failed: no journald' });
    expect(w.snapshot()).toMatchObject({ state: 'idle', failed: 0 });
    expect(w.snapshot().done).toBeGreaterThanOrEqual(4);
    expect(faults).toEqual([]);
    const after = runs;
    await new Promise((r) => setTimeout(r, 150));
    expect(runs).toBe(after);
    w.stop();
  });
});
