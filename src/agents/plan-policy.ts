// The policy's word on a plan at planning time: each step judged, the verdict kept in its
// preview (so the person sees "denied: …" or what needs confirming, and approval can check it
// without judging again), and the engine's policy built from configuration.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { PlanStepSpec, StepPreview, StepView, Tier } from '../protocol/model.js';
import { ProtectedPaths, protectedRules } from '../policy/path-guard.js';
import { PolicyEngine, type PolicyVerdict } from '../policy/policy-engine.js';
import type { ToolRegistry } from '../tools/registry.js';
import { capabilitiesOf } from './agent-roster.js';
import { withStepRules } from './approval-policy.js';
import type { SecurityMode } from '../protocol/vocabulary.js';

export interface AiosLocations {
  stateDir: string;
  configDirs: string[];
  secretsFile: string;
}

/** The node's protected paths plus aiOS's own (system-mode locations when none are given). */
export function aiosProtectedPaths(aios?: AiosLocations): ProtectedPaths {
  return new ProtectedPaths(
    protectedRules(
      aios ?? {
        stateDir: '/var/lib/aios',
        configDirs: ['/etc/aios', join(homedir(), '.config', 'aios')],
        secretsFile: '/etc/aios/secrets.toml',
      },
    ),
  );
}

export function createPolicy(opts: {
  mode: () => SecurityMode;
  dangerousPatterns?: readonly string[];
  requireConfirm?: readonly string[];
  protectedPaths?: ProtectedPaths;
  sandboxed?: () => boolean;
  budgetMs?: number;
}): PolicyEngine {
  return new PolicyEngine({
    mode: opts.mode,
    dangerousPatterns: opts.dangerousPatterns ?? [],
    requireConfirm: opts.requireConfirm ?? [],
    protectedPaths: opts.protectedPaths ?? aiosProtectedPaths(),
    capabilitiesOf,
    ...(opts.sandboxed === undefined ? {} : { sandboxed: opts.sandboxed }),
    ...(opts.budgetMs === undefined ? {} : { budgetMs: opts.budgetMs }),
  });
}

const head = (reasons: readonly string[]): string => reasons.join('; ');

/** Judges every step; each preview gets the verdict, and a summary that leads with it. */
export async function judgeSteps(
  policy: PolicyEngine,
  registry: ToolRegistry,
  steps: readonly PlanStepSpec[],
  previews: StepPreview[],
  tier: Tier,
): Promise<PolicyVerdict[]> {
  const verdicts: PolicyVerdict[] = [];
  for (const [i, step] of steps.entries()) {
    const v = registry.validate(step.tool, step.args);
    const verdict: PolicyVerdict = v.ok
      ? withStepRules(await policy.evaluate({ tool: v.tool, args: v.args, agent: step.agent, tier }), v.tool)
      : { decision: 'deny', reasons: [v.error], adminReasons: [], autoApprove: false, paths: [], commands: [] };
    verdicts.push(verdict);
    const preview = previews[i] ?? { summary: '' };
    const writes = verdict.paths.filter((p) => p.access === 'write').map((p) => p.path);
    const policyNote = {
      decision: verdict.decision,
      reasons: verdict.reasons,
      adminReasons: verdict.adminReasons,
      autoApprove: verdict.autoApprove,
      writes,
    };
    if (verdict.decision === 'deny') {
      previews[i] = {
        summary: `denied: ${head(verdict.reasons)}`,
        detail: [preview.summary, preview.detail].filter(Boolean).join('\n'),
        policy: policyNote,
      };
    } else {
      const notes = [
        verdict.decision === 'confirm' ? `needs explicit confirmation: ${head(verdict.reasons)}` : '',
        verdict.adminReasons.length > 0 ? `admin only: ${head(verdict.adminReasons)}` : '',
      ].filter(Boolean);
      previews[i] = { ...preview, summary: [preview.summary, ...notes].join(' — '), policy: policyNote };
    }
  }
  return verdicts;
}

/** The verdict recorded when the plan was judged. A step without one was planned before policy existed: it needs confirming. */
export function verdictOf(step: Pick<StepView, 'preview'>): PolicyVerdict {
  const p = step.preview.policy;
  if (p === undefined) {
    return {
      decision: 'confirm',
      reasons: ['this plan was made before policy checks; plan it again'],
      adminReasons: [],
      autoApprove: false,
      paths: [],
      commands: [],
    };
  }
  return {
    decision: p.decision,
    reasons: p.reasons,
    adminReasons: p.adminReasons,
    autoApprove: p.autoApprove,
    paths: p.writes.map((path) => ({ path, access: 'write' as const })),
    commands: [],
  };
}

/** "denied by policy: s1 (shell.exec): …" for a plan's message. */
export function denialMessage(steps: readonly PlanStepSpec[], verdicts: readonly PolicyVerdict[]): string | null {
  const denied = steps.flatMap((s, i) =>
    verdicts[i]?.decision === 'deny' ? [`${s.id} (${s.tool}): ${head(verdicts[i]?.reasons ?? [])}`] : [],
  );
  return denied.length === 0 ? null : `denied by policy: ${denied.join(' | ')}`;
}
