import { describe, expect, it } from 'vitest';
import type { DaemonEvent } from '../../src/protocol/events.js';
import { AgentMesh } from '../../src/agents/mesh/agent-mesh.js';
import { AgentTaskError } from '../../src/agents/mesh/agent-worker.js';
import { runDag } from '../../src/agents/dag-executor.js';
import type { StepState } from '../../src/protocol/model.js';

const specs = [
  { name: 'storage', domain: 'files', capabilities: ['fs.read', 'fs.write'] as const, concurrency: 1 },
  { name: 'network', domain: 'network', capabilities: ['net.read'] as const, concurrency: 2 },
  { name: 'system', domain: 'system', capabilities: ['process.read', 'exec'] as const, concurrency: 1 },
];

function mesh(events: DaemonEvent[] = []): AgentMesh {
  return new AgentMesh({
    agents: specs,
    emit: (e) => events.push(e),
    log: () => undefined,
    baseBackoffMs: 20,
    heartbeatMs: 50,
  });
}

/** A deferred whose resolution the test controls: no sleeps decide the outcome. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((r) => {
    open = r;
  });
  return { promise, open };
}

describe('agent mesh', () => {
  it('routes a step to the agent that holds the capability, and says why', () => {
    const m = mesh();
    expect(m.route({ agent: 'storage', tool: 'fs.write' }, ['fs.write'])).toMatchObject({ agent: 'storage' });
    const r = m.route({ agent: 'storage', tool: 'net.listening' }, ['net.read']);
    expect(r.agent).toBe('network');
    expect(r.reason).toMatch(/storage lacks net.read; network owns net/);
    expect(m.route({ agent: 'storage', tool: 'pkg.install' }, ['pkg.write' as never]).reason).toMatch(/refused/);
    m.stop();
  });

  it('runs independent steps of a DAG at the same time on different agents', async () => {
    const m = mesh();
    const order: string[] = [];
    const a = gate();
    const steps = [
      { id: 'a', agent: 'storage', dependsOn: [] },
      { id: 'b', agent: 'network', dependsOn: [] },
      { id: 'c', agent: 'system', dependsOn: ['a', 'b'] },
    ];
    const run = runDag(steps, new Map(steps.map((s) => [s.id, 'approved' as StepState])), {
      run: (s) =>
        m.get(s.agent)?.submit({
          id: s.id,
          deadlineMs: 5000,
          run: async () => {
            order.push(`start ${s.id}`);
            if (s.id === 'a') await a.promise; // a cannot finish until b has started: only true if they overlap
            if (s.id === 'b') a.open();
            order.push(`end ${s.id}`);
            return null;
          },
        }) ?? Promise.resolve('no agent'),
      skip: () => undefined,
    });
    const states = await run;
    expect([...states.values()]).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(order.indexOf('start b')).toBeLessThan(order.indexOf('end a'));
    expect(order.indexOf('start c')).toBeGreaterThan(Math.max(order.indexOf('end a'), order.indexOf('end b')));
    m.stop();
  });

  it('a failure skips its dependants but lets an independent branch finish', async () => {
    const steps = [
      { id: 'a', dependsOn: [] },
      { id: 'b', dependsOn: ['a'] },
      { id: 'c', dependsOn: [] },
      { id: 'd', dependsOn: ['b'] },
    ];
    const skipped: string[] = [];
    const states = await runDag(steps, new Map(steps.map((s) => [s.id, 'approved' as StepState])), {
      run: async (s) => (s.id === 'a' ? 'boom' : null),
      skip: (s, why) => skipped.push(`${s.id}: ${why}`),
    });
    expect(Object.fromEntries(states)).toEqual({ a: 'failed', b: 'skipped', c: 'succeeded', d: 'skipped' });
    expect(skipped[0]).toMatch(/b: step a it depends on did not succeed/);
  });

  it('contains an agent that throws: the task fails with the reason, the agent restarts, others go on', async () => {
    const events: DaemonEvent[] = [];
    const m = mesh(events);
    const storage = m.get('storage');
    const network = m.get('network');
    if (storage === undefined || network === undefined) throw new Error('agents missing');
    const crash = storage.submit({
      id: 't1',
      deadlineMs: 5000,
      run: async () => {
        throw new Error('segfault-ish');
      },
    });
    await expect(crash).rejects.toThrow(/agent storage failed on t1: segfault-ish/);
    expect(storage.snapshot().state).toBe('restarting');
    await expect(network.submit({ id: 't2', deadlineMs: 5000, run: async () => 'fine' })).resolves.toBe('fine');
    // Work sent while restarting waits for the restart, then runs.
    await expect(storage.submit({ id: 't3', deadlineMs: 5000, run: async () => 'after restart' })).resolves.toBe(
      'after restart',
    );
    expect(storage.snapshot()).toMatchObject({ restarts: 1, failed: 1, done: 1 });
    expect(events.some((e) => e.type === 'alert' && /storage faulted/.test(e.message))).toBe(true);
    m.stop();
  });

  it('isolates an agent that hangs past its deadline and aborts the task', async () => {
    const m = mesh();
    let aborted = false;
    const hang = m.get('system')?.submit({
      id: 'slow',
      deadlineMs: 50,
      run: (signal) =>
        new Promise(() => {
          signal.addEventListener('abort', () => {
            aborted = true;
          });
        }),
    });
    const err = await hang?.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentTaskError);
    expect((err as AgentTaskError).kind).toBe('deadline');
    expect(aborted).toBe(true);
    m.stop();
  });
});

describe('implicit order', () => {
  it('reads a plan without declared dependencies as a sequence of the steps that will run', async () => {
    const { withImplicitOrder } = await import('../../src/agents/step-runner.js');
    const steps = [
      { id: 'a', dependsOn: [] },
      { id: 'b', dependsOn: [] },
      { id: 'c', dependsOn: [] },
    ];
    expect(withImplicitOrder(steps, () => true).map((s) => s.dependsOn)).toEqual([[], ['a'], ['b']]);
    expect(withImplicitOrder(steps, (id) => id !== 'b').map((s) => s.dependsOn)).toEqual([[], [], ['a']]);
    const dag = [
      { id: 'a', dependsOn: [] },
      { id: 'b', dependsOn: [] },
      { id: 'c', dependsOn: ['a', 'b'] },
    ];
    expect(withImplicitOrder(dag, () => true)).toEqual(dag); // a declared DAG is taken as written
  });
});
