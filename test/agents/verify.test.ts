// Verification steps: a read-only check after a step decides whether it succeeded. Real TCP
// servers and real ports; the check's retries are what let a slow server come up in time.
import { createServer, type Server } from 'node:net';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Planner, PlanOutcome } from '../../src/agents/planner.js';
import { ReactivePlanner } from '../../src/agents/reactive-planner.js';
import { planHash } from '../../src/agents/plan-hash.js';
import { checkDraft } from '../../src/models/plan-draft.js';
import { planGrammarSchema, planJsonSchema } from '../../src/models/plan-schema.js';
import type { PlanStepSpec } from '../../src/protocol/model.js';
import { createBuiltinRegistry } from '../../src/tools/builtin-tools.js';
import { defineTool } from '../../src/tools/tool.js';
import { engineRig, type EngineRig } from '../helpers/engine.js';

let rig: EngineRig | undefined;
const servers: Server[] = [];
afterEach(async () => {
  rig?.dispose();
  rig = undefined;
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

const scripted = (steps: PlanStepSpec[]): Planner => ({
  tier: 'local',
  plan: (): Promise<PlanOutcome> => Promise.resolve({ kind: 'plan', tier: 'local', steps, explanation: 'scripted' }),
});

const step = (
  id: string,
  tool: string,
  args: Record<string, unknown>,
  extra: Partial<PlanStepSpec> = {},
): PlanStepSpec => ({
  id,
  agent: 'system',
  tool,
  args,
  rationale: '',
  risk: 'low',
  reversible: false,
  dependsOn: [],
  ...extra,
});

/** A port nothing listens on: bound, then closed again. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** "Starts a service": returns at once, and the server listens only after a delay, as a real daemon would. */
const slowServer = defineTool({
  name: 'test.start_listener',
  description: 'listen on a port after a delay',
  schema: z.strictObject({ port: z.number().int(), delayMs: z.number().int() }),
  capabilities: ['exec'],
  risk: 'medium',
  reversible: false,
  mutates: true,
  preview: (a) => Promise.resolve({ summary: `listen on ${a.port} in ${a.delayMs} ms` }),
  execute: (a) => {
    setTimeout(() => {
      const s = createServer((c) => c.end());
      servers.push(s);
      s.listen(a.port, '127.0.0.1');
    }, a.delayMs);
    return Promise.resolve({ ok: true, output: 'started\n' });
  },
});

async function approveAndRun(r: EngineRig, text = 'goal'): Promise<ReturnType<EngineRig['engine']['get']>> {
  const goal = await r.engine.submit(text, r.actor);
  if (goal.plan === null) return goal;
  // Read-only plans are approved by the policy in normal mode; the rest by the tester.
  if (goal.state === 'awaiting_approval')
    r.engine.decide(goal.plan.id, goal.plan.hash, 'approve', undefined, r.actor, true);
  await r.engine.idle();
  return r.engine.get(goal.id);
}

describe('verification steps', () => {
  it('a command that exits 0 but whose port check fails fails the goal, and its dependants do not run', async () => {
    const port = await freePort();
    rig = engineRig(() =>
      scripted([
        step(
          's1',
          'shell.exec',
          { command: 'true' },
          { verify: { check: 'port', host: '127.0.0.1', port, expect: 'open', withinMs: 300 } },
        ),
        step('s2', 'fs.list', { path: '/' }, { dependsOn: ['s1'] }),
      ]),
    );
    const done = await approveAndRun(rig);
    expect(done.state).toBe('failed');
    expect(done.message).toMatch(
      new RegExp(`step s1 \\(shell.exec\\) failed: verification failed: port 127.0.0.1:${port} open`),
    );
    const [s1, s2] = done.plan?.steps ?? [];
    expect(s1).toMatchObject({ state: 'failed' });
    expect(s1?.output).toMatch(/\[verification failed: 127\.0\.0\.1:\d+ is not reachable/);
    expect(s2).toMatchObject({ state: 'skipped' });
    const verify = rig.ledger.verify();
    expect(verify.ok).toBe(true);
    const entries = rig.db.prepare(`SELECT actor, detail FROM audit WHERE action = 'step.verify'`).all() as {
      actor: string;
      detail: string;
    }[];
    expect(entries).toHaveLength(1);
    expect(entries[0]?.actor).toBe('network');
    const detail = JSON.parse(entries[0]?.detail ?? '{}') as { ok: boolean; attempts: number };
    expect(detail.ok).toBe(false);
    expect(detail.attempts).toBeGreaterThan(1); // it kept trying until withinMs ran out
  });

  it('keeps checking until a slow server comes up, then the step succeeds', async () => {
    const port = await freePort();
    rig = engineRig(
      () =>
        scripted([
          step(
            's1',
            'test.start_listener',
            { port, delayMs: 700 },
            { verify: { check: 'port', host: '127.0.0.1', port, expect: 'open', withinMs: 10_000 } },
          ),
        ]),
      { tools: () => [slowServer] },
    );
    const done = await approveAndRun(rig);
    expect(done.state).toBe('succeeded');
    expect(done.plan?.steps[0]?.output).toMatch(/\[verified after [2-9]\d* checks\]/);
    expect(done.plan?.steps[0]?.preview.verify).toBe(`port 127.0.0.1:${port} open (within 10 s)`);
  });

  it('a step that changed a file and failed its verification offers rollback, which restores the file', async () => {
    const port = await freePort();
    let path = '';
    rig = engineRig((_p, dir) => {
      path = join(dir, 'site.conf');
      writeFileSync(path, 'old\n');
      return scripted([
        step(
          's1',
          'fs.write',
          { path, content: 'new\n' },
          { agent: 'storage', verify: { check: 'port', host: '127.0.0.1', port, expect: 'open', withinMs: 0 } },
        ),
      ]);
    });
    const done = await approveAndRun(rig);
    expect(done.state).toBe('failed');
    expect(done.message).toMatch(/roll back what ran/);
    expect(readFileSync(path, 'utf8')).toBe('new\n');
    const back = await rig.engine.rollback(done.id, rig.actor);
    expect(back.state).toBe('rolled_back');
    expect(readFileSync(path, 'utf8')).toBe('old\n');
  });

  it('a pure verification step: a read-only step whose check decides the goal', async () => {
    rig = engineRig((_p, dir) =>
      scripted([
        step(
          's1',
          'fs.stat',
          { path: dir },
          { agent: 'storage', verify: { check: 'file', path: join(dir, 'ready.flag'), withinMs: 0 } },
        ),
      ]),
    );
    const failed = await approveAndRun(rig);
    expect(failed.state).toBe('failed');
    expect(failed.message).toMatch(/verification failed: .*ready\.flag exists/);
    writeFileSync(join(rig.dir, 'ready.flag'), 'ok');
    expect((await approveAndRun(rig)).state).toBe('succeeded');
  });

  it('a check that would change the node is refused at plan time, and nothing runs', async () => {
    let target = '';
    rig = engineRig((_p, dir) => {
      target = join(dir, 'victim');
      writeFileSync(target, 'x');
      return scripted([
        step(
          's1',
          'fs.list',
          { path: dir },
          { agent: 'storage', verify: { check: 'command', command: `rm -f ${target}` } },
        ),
      ]);
    });
    const goal = await rig.engine.submit('goal', rig.actor);
    expect(goal.state).toBe('not_understood');
    expect(goal.message).toMatch(/command check must only read/);
    expect(existsSync(target)).toBe(true);
  });

  it('a read-only command check runs, and its exit status and output are judged', async () => {
    rig = engineRig((_p, dir) =>
      scripted([
        step(
          's1',
          'fs.list',
          { path: dir },
          { agent: 'storage', verify: { check: 'command', command: 'echo ready', outputContains: 'ready' } },
        ),
        step(
          's2',
          'fs.list',
          { path: dir },
          {
            agent: 'storage',
            dependsOn: ['s1'],
            verify: { check: 'command', command: 'ls /definitely-missing-dir', exitCode: 0, withinMs: 0 },
          },
        ),
      ]),
    );
    const done = await approveAndRun(rig);
    expect(done.plan?.steps.map((s) => s.state)).toEqual(['succeeded', 'failed']);
    expect(done.plan?.steps[1]?.error).toMatch(/exited with status [12], expected 0/);
  });
});

describe('verify in the plan', () => {
  const registry = createBuiltinRegistry({ timeoutMs: 5000, outputCapBytes: 1 << 16 });

  it('is part of the plan hash, so changing the check needs a fresh approval', () => {
    const base = step('s1', 'service.start', { unit: 'nginx' });
    const a = planHash('g', 'local', [base]);
    const b = planHash('g', 'local', [{ ...base, verify: { check: 'service', unit: 'nginx', expect: 'active' } }]);
    const c = planHash('g', 'local', [{ ...base, verify: { check: 'service', unit: 'nginx', expect: 'inactive' } }]);
    expect(new Set([a, b, c]).size).toBe(3);
  });

  it('appears in the JSON Schema and the grammar a model plans with, and parses from either', () => {
    expect(JSON.stringify(planJsonSchema(registry.describe()))).toContain('"check"');
    expect(JSON.stringify(planGrammarSchema(registry.describe()))).toContain('"verify"');
    const cloud = checkDraft(
      {
        explanation: 'x',
        steps: [
          {
            tool: 'service.start',
            args: { unit: 'nginx' },
            rationale: 'r',
            depends_on: [],
            verify: { check: 'port', host: 'localhost', port: 80, expect: 'open' },
          },
        ],
      },
      registry,
    );
    expect(cloud.ok && cloud.steps[0]?.verify).toEqual({ check: 'port', host: 'localhost', port: 80, expect: 'open' });
    const grammar = checkDraft(
      {
        explanation: 'x',
        steps: [{ tool: 'fs.list', args: { path: '/' }, rationale: 'r', depends_on: [], verify: null }],
      },
      registry,
      { fromGrammar: true },
    );
    expect(grammar.ok && grammar.steps[0]?.verify).toBeUndefined();
    const nulls = checkDraft(
      {
        explanation: 'x',
        steps: [
          {
            tool: 'fs.list',
            args: { path: '/' },
            rationale: 'r',
            depends_on: [],
            verify: { check: 'service', unit: 'ssh', expect: 'active', withinMs: null },
          },
        ],
      },
      registry,
      { fromGrammar: true },
    );
    expect(nulls.ok && nulls.steps[0]?.verify).toEqual({ check: 'service', unit: 'ssh', expect: 'active' });
    const bad = checkDraft(
      {
        explanation: 'x',
        steps: [
          { tool: 'fs.list', args: { path: '/' }, rationale: 'r', depends_on: [], verify: { check: 'port', port: 80 } },
        ],
      },
      registry,
    );
    expect(bad.ok).toBe(false);
  });

  it('the rule that starts a service attaches a check that it is active', async () => {
    const out = await new ReactivePlanner().plan({ text: 'restart the nginx service', home: '/root' });
    expect(out.kind === 'plan' && out.steps[0]).toMatchObject({
      tool: 'service.restart',
      args: { unit: 'nginx' },
      verify: { check: 'service', unit: 'nginx', expect: 'active' },
    });
    const start = await new ReactivePlanner().plan({ text: 'start service sshd', home: '/root' });
    expect(start.kind === 'plan' && start.steps[0]).toMatchObject({
      tool: 'service.start',
      args: { unit: 'sshd' },
      verify: { check: 'service', unit: 'sshd' },
    });
    expect((await new ReactivePlanner().plan({ text: 'restart nginx', home: '/root' })).kind).toBe('not_understood');
  });
});
