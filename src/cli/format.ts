// Human-readable renderings of protocol objects for the CLI. All content is sanitised.
import type { GoalView, SnapshotView, StepView } from '../protocol/model.js';
import { sanitize } from '../text/sanitize.js';

const one = (s: string): string => sanitize(s, { singleLine: true });

export function formatStep(step: StepView): string {
  const flags = [`risk ${step.risk}`, step.reversible ? 'reversible' : 'IRREVERSIBLE'].join(', ');
  const lines = [
    `  [${step.state}] ${step.id}  ${step.agent} → ${step.tool}  (${flags})`,
    `      args: ${one(JSON.stringify(step.args))}`,
    `      why:  ${one(step.rationale)}`,
    `      preview: ${one(step.preview.summary)}`,
  ];
  if (step.preview.detail !== undefined && step.preview.detail !== '') {
    lines.push(
      ...sanitize(step.preview.detail)
        .split('\n')
        .slice(0, 40)
        .map((l) => `        ${l}`),
    );
  }
  if (step.error !== null) lines.push(`      error: ${one(step.error)}`);
  const a = step.analysis;
  if (a?.ok === true) {
    lines.push(
      `      diagnosis (${one(a.tier ?? 'model')} tier; advice, never run): ${one(a.summary)}`,
      `        likely cause: ${one(a.likelyCause)}`,
      `        next step: ${one(a.nextStep)}`,
    );
  } else if (a !== undefined) {
    lines.push(`      no diagnosis: ${one(a.reason ?? 'unknown')}`);
  }
  return lines.join('\n');
}

export function formatGoal(goal: GoalView): string {
  const head = `goal ${goal.id} — ${goal.state}: ${one(goal.text)}`;
  const lines = [head];
  if (goal.message !== null) lines.push(`  ${sanitize(goal.message)}`);
  if (goal.plan !== null) {
    lines.push(`plan ${goal.plan.id} (${goal.plan.tier} tier), hash ${goal.plan.hash.slice(0, 16)}`);
    for (const step of goal.plan.steps) lines.push(formatStep(step));
  }
  return lines.join('\n');
}

export function formatSnapshot(s: SnapshotView): string {
  const restored = s.restoredAt === null ? '' : `  (restored ${s.restoredAt})`;
  return `${s.id}  ${s.createdAt}  ${one(s.label)}${restored}\n    ${s.paths.map(one).join('\n    ')}`;
}
