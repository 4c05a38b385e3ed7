// Canned daemon data for the shell's tests: GoalViews as aiosd would send them.
import type { GoalView, PlanView, StepView } from '../../src/protocol/model.js';
import type { ModelRecommendation } from '../../src/protocol/model-pull.js';

export function step(over: Partial<StepView> & { id: string }): StepView {
  return {
    agent: 'system',
    tool: 'pkg.install',
    args: { name: 'nginx' },
    rationale: '',
    risk: 'low',
    reversible: true,
    dependsOn: [],
    state: 'pending',
    preview: { summary: 'install 1 package' },
    snapshotId: null,
    output: '',
    error: null,
    approvedBy: null,
    ...over,
  };
}

export function plan(goalId: string, steps: StepView[], over: Partial<PlanView> = {}): PlanView {
  return {
    id: `p-${goalId}`,
    goalId,
    tier: 'local',
    hash: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
    createdAt: '2025-01-01T00:00:01.000Z',
    steps,
    ...over,
  };
}

export function goal(over: Partial<GoalView> & { id: string }): GoalView {
  return {
    text: 'install nginx and start it',
    state: 'awaiting_approval',
    message: null,
    submittedBy: 'alice',
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:01.000Z',
    plan: null,
    ...over,
  };
}

/** A plan awaiting approval with two steps, the first with a diff preview. */
export function awaitingGoal(id = 'g1'): GoalView {
  return goal({
    id,
    plan: plan(id, [
      step({
        id: 's1',
        agent: 'system',
        tool: 'fs.write',
        args: { path: '/etc/nginx/conf.d/site.conf', content: 'server { listen 80; }\n' },
        risk: 'medium',
        rationale: 'the site needs a server block',
        preview: {
          summary: 'write /etc/nginx/conf.d/site.conf (1 line)',
          detail: '--- /dev/null\n+++ /etc/nginx/conf.d/site.conf\n@@ -0,0 +1 @@\n+server { listen 80; }',
        },
      }),
      step({
        id: 's2',
        agent: 'service',
        tool: 'service.restart',
        args: { unit: 'nginx' },
        reversible: false,
        risk: 'high',
        preview: { summary: 'systemctl restart nginx', detail: 'argv: ["systemctl","restart","nginx"]' },
      }),
    ]),
  });
}

/** models/recommend on a node with no planner beyond the rules: the first-run offer shows. */
export function firstRunRecommendation(): ModelRecommendation {
  return {
    node: { memoryBytes: 16 * 1024 ** 3, cores: 4, gpus: [], gpuMemoryBytes: null },
    operational: {
      tier: 'operational',
      name: 'Qwen2.5 7B Instruct',
      uri: 'hf:bartowski/Qwen2.5-7B-Instruct-GGUF:Q4_K_M',
      quant: 'Q4_K_M',
      sizeBytes: 4.68 * 1024 ** 3,
      ramBytes: 6 * 1024 ** 3,
      context: 8192,
      source: 'https://huggingface.co/bartowski/Qwen2.5-7B-Instruct-GGUF',
      why: 'fits in 16 GiB',
    },
    tactical: null,
    notes: [],
    plannerConfigured: false,
    rules: ['disk usage', 'list processes'],
  };
}
