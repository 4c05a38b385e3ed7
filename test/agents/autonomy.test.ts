// autonomy_level under each setting: what runs without a person, and that an autonomous
// approval is audited like a person's, with the policy as the approver.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import type { Autonomy } from '../../src/agents/approval-policy.js';
import type { Planner, PlanOutcome } from '../../src/agents/planner.js';
import { defineTool, type Tool } from '../../src/tools/tool.js';
import { engineRig, type EngineRig } from '../helpers/engine.js';

/** A low-risk, reversible tool that changes one file: the kind `full` may run unattended. */
function stampTool(): Tool {
  return defineTool({
    name: 'test.stamp',
    description: 'writes a stamp file',
    schema: z.object({ path: z.string() }).strict(),
    capabilities: ['fs.write'],
    risk: 'low',
    reversible: true,
    mutates: true,
    paths: (a) => [{ path: a.path, access: 'write' }],
    preview: (a) => Promise.resolve({ summary: `stamp ${a.path}` }),
    execute: (a) => {
      writeFileSync(a.path, 'stamp\n');
      return Promise.resolve({ ok: true, output: 'stamped' });
    },
  });
}

function planner(
  steps: (dir: string) => { tool: string; args: Record<string, unknown> }[],
): (p: unknown, dir: string) => Planner {
  return (_p, dir) => ({
    tier: 'local',
    plan: (): Promise<PlanOutcome> =>
      Promise.resolve({
        kind: 'plan',
        tier: 'local',
        explanation: 'scripted',
        steps: steps(dir).map((s, i) => ({
          id: `s${i + 1}`,
          agent: 'storage',
          ...s,
          rationale: 'test',
          risk: 'low',
          reversible: true,
          dependsOn: [],
        })),
      }),
  });
}

let rig: EngineRig | undefined;
afterEach(() => {
  rig?.dispose();
  rig = undefined;
});

async function submitAndSettle(r: EngineRig): Promise<{ state: string; approvedBy: (string | null)[] }> {
  const g = await r.engine.submit('do the thing', r.actor);
  await r.engine.idle();
  const done = r.engine.get(g.id);
  return { state: done.state, approvedBy: done.plan?.steps.map((s) => s.approvedBy) ?? [] };
}

describe('autonomy levels', () => {
  const read = (dir: string): { tool: string; args: Record<string, unknown> }[] => [
    { tool: 'fs.list', args: { path: dir } },
  ];
  const stamp = (dir: string): { tool: string; args: Record<string, unknown> }[] => [
    { tool: 'test.stamp', args: { path: join(dir, 'stamp') } },
  ];

  it.each<[Autonomy, string, string]>([
    [{ level: 'manual', allow: [] }, 'awaiting_approval', 'even a read waits for a person'],
    [{ level: 'supervised', allow: [] }, 'succeeded', 'reads run on their own'],
    [{ level: 'full', allow: [] }, 'succeeded', 'reads run on their own'],
  ])('%o: a read-only plan ends %s (%s)', async (autonomy, state) => {
    rig = engineRig(planner(read), { autonomy });
    expect((await submitAndSettle(rig)).state).toBe(state);
  });

  it('full runs an allowlisted low-risk reversible change without a person, and audits the policy as approver', async () => {
    rig = engineRig(planner(stamp), { autonomy: { level: 'full', allow: ['test.stamp'] }, tools: () => [stampTool()] });
    const r = await submitAndSettle(rig);
    expect(r.state).toBe('succeeded');
    expect(r.approvedBy).toEqual(['policy:autonomy-full(normal)']);
    expect(existsSync(join(rig.dir, 'stamp'))).toBe(true);
    const approvals = rig.ledger.list({ limit: 1000 }).filter((e) => e.action === 'plan.approve');
    expect(approvals.map((e) => e.actor)).toEqual(['policy:autonomy-full(normal)']);
  });

  it('full leaves a change that is not on the allowlist, and supervised any change, to a person', async () => {
    rig = engineRig(planner(stamp), { autonomy: { level: 'full', allow: [] }, tools: () => [stampTool()] });
    expect((await submitAndSettle(rig)).state).toBe('awaiting_approval');
    rig.dispose();
    rig = engineRig(planner(stamp), {
      autonomy: { level: 'supervised', allow: ['test.stamp'] },
      tools: () => [stampTool()],
    });
    expect((await submitAndSettle(rig)).state).toBe('awaiting_approval');
    expect(existsSync(join(rig.dir, 'stamp'))).toBe(false);
  });
});
