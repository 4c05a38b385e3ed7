// The plan review's commands: approve all or one step, reject, skip, edit a step's arguments
// (the daemon re-validates and answers with a new plan, new hash), revise. High-risk and
// irreversible steps are approved only by typing their id (or `yes`) on the input line and
// Enter: no single key, however it is pressed, approves them.
import type { GoalState, GoalView, PlanView, StepState, StepView } from '../../protocol/model.js';
import { reportFailure, type CommandContext } from './command-context.js';
import type { Prompt } from '../state/input-state.js';
import { focusedGoal } from '../state/shell-state.js';
import { sendGroupDecision } from './fleet-group-commands.js';

export const VIEWER_REFUSAL =
  'your role is viewer: you can review plans but not approve or reject them — ask an operator or admin';

type Decision = 'approve' | 'reject' | 'skip';

function stateWords(state: GoalState | StepState): string {
  return state.replace(/_/g, ' ');
}

/** Steps that need a typed confirmation: they cannot be undone, could do real harm, or the policy says so. */
export function needsConfirm(step: Pick<StepView, 'risk' | 'reversible' | 'preview'>): boolean {
  return step.risk === 'high' || !step.reversible || step.preview.policy?.decision === 'confirm';
}

function why(step: StepView): string {
  const parts = [
    step.risk === 'high' ? 'high risk' : '',
    step.reversible ? '' : 'NOT reversible',
    step.preview.policy?.decision === 'confirm' ? 'policy' : '',
  ].filter((p) => p !== '');
  return `${step.id} ${step.tool} (${parts.join(', ')})`;
}

/** The shown plan if a decision can be made on it now; otherwise says why not and returns null. */
function decidable(ctx: CommandContext): { goal: GoalView; plan: PlanView } | null {
  const state = ctx.store.getState();
  const goal = focusedGoal(state);
  const plan = goal?.plan ?? null;
  if (goal === null || plan === null) {
    ctx.flash('info', 'no plan shown — submit a goal first');
    return null;
  }
  if (state.session?.role === 'viewer') {
    ctx.flash('warning', VIEWER_REFUSAL);
    return null;
  }
  if (goal.state !== 'awaiting_approval') {
    ctx.flash('info', `nothing to decide: this goal is ${stateWords(goal.state)}`);
    return null;
  }
  return { goal, plan };
}

/** `confirmed`: the person pressed the second key for the steps that need it. */
export function sendDecision(
  ctx: CommandContext,
  planId: string,
  planHash: string,
  decision: Decision,
  stepIds?: string[],
  confirmed = false,
): void {
  const c = ctx.client();
  if (c === null) return;
  c.call('plan/decide', {
    planId,
    planHash,
    decision,
    ...(stepIds === undefined ? {} : { stepIds }),
    ...(confirmed ? { confirm: true } : {}),
  })
    .then(
      (updated) => ctx.dispatch({ type: 'goalUpdated', goal: updated, focus: false }),
      (error: unknown) => reportFailure(ctx, `${decision} failed`, error),
    )
    .catch(() => undefined);
}

export function decide(ctx: CommandContext, decision: Decision, scope: 'plan' | 'step'): void {
  const ok = decidable(ctx);
  if (ok === null) return;
  const { goal, plan } = ok;
  const selected = ctx.store.getState().selectedStep;
  const step = plan.steps[selected];
  if (scope === 'step') {
    if (step === undefined) return ctx.flash('info', 'no step selected');
    if (step.state !== 'pending') return ctx.flash('info', `step ${step.id} is ${stateWords(step.state)}, not pending`);
  }
  const targets = scope === 'step' && step !== undefined ? [step] : plan.steps.filter((s) => s.state === 'pending');
  const stepIds = scope === 'step' && step !== undefined ? [step.id] : undefined;
  if (decision === 'approve') {
    const risky = targets.filter(needsConfirm);
    if (risky.length > 0) {
      const prompt: Prompt = {
        kind: 'approve',
        goalId: goal.id,
        planId: plan.id,
        planHash: plan.hash,
        ...(stepIds === undefined ? {} : { stepIds }),
        risky: risky.map((s) => s.id),
      };
      ctx.dispatch({ type: 'promptOpened', prompt, text: '' });
      ctx.flash(
        'warning',
        `to approve ${risky.map(why).join(', ')}: type ${risky.length === 1 ? 'its id' : 'their ids'} or yes, then Enter; Esc cancels`,
      );
      return;
    }
  }
  sendDecision(ctx, plan.id, plan.hash, decision, stepIds);
  if (scope === 'step') ctx.dispatch({ type: 'stepSelected', delta: 1 });
}

/** Whether a typed line confirms a high-risk approval: `yes`, or exactly the ids of the steps that need it. */
export function confirmsApproval(typed: string, risky: readonly string[]): boolean {
  const words = typed
    .trim()
    .toLowerCase()
    .split(/[\s,]+/)
    .filter((w) => w !== '');
  if (words.length === 1 && words[0] === 'yes') return true;
  const ids = risky.map((id) => id.toLowerCase());
  return words.length === ids.length && ids.every((id) => words.includes(id));
}

/** Enter on the approval line: approves when it says so, otherwise nothing is approved. */
export function submitApproval(ctx: CommandContext, prompt: Extract<Prompt, { kind: 'approve' }>, typed: string): void {
  ctx.dispatch({ type: 'promptClosed' });
  ctx.dispatch({ type: 'focused', focus: prompt.fleetGoal === undefined ? 'plan' : 'fleet' });
  if (!confirmsApproval(typed, prompt.risky)) {
    return ctx.flash('info', `cancelled: nothing was approved (it takes ${prompt.risky.join(' ')} or yes)`);
  }
  if (prompt.fleetGoal !== undefined) return sendGroupDecision(ctx, prompt.fleetGoal, prompt.planHash, 'approve', true);
  sendDecision(ctx, prompt.planId, prompt.planHash, 'approve', prompt.stepIds, true);
  if (prompt.stepIds !== undefined) ctx.dispatch({ type: 'stepSelected', delta: 1 });
}

/** `e`: the selected step's arguments in the input line, as JSON, to edit and send with Enter. */
export function startEdit(ctx: CommandContext): void {
  const ok = decidable(ctx);
  if (ok === null) return;
  const step = ok.plan.steps[ctx.store.getState().selectedStep];
  if (step === undefined) return ctx.flash('info', 'no step selected');
  if (ok.plan.steps.some((s) => s.state !== 'pending')) {
    return ctx.flash('info', 'some steps are already decided: a plan can be edited only before any step is');
  }
  ctx.dispatch({
    type: 'promptOpened',
    prompt: { kind: 'args', goalId: ok.goal.id, planId: ok.plan.id, planHash: ok.plan.hash, stepId: step.id },
    text: JSON.stringify(step.args),
  });
  ctx.flash(
    'info',
    `editing ${step.id} ${step.tool}: change the JSON, Enter sends it (the daemon checks it), Esc cancels`,
  );
}

export function submitEdit(
  ctx: CommandContext,
  prompt: { goalId: string; planId: string; planHash: string; stepId: string },
  text: string,
): void {
  let args: unknown;
  try {
    args = JSON.parse(text);
  } catch (error) {
    return ctx.flash(
      'error',
      `not valid JSON (${error instanceof Error ? error.message : String(error)}); fix it, or Esc to cancel`,
    );
  }
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    return ctx.flash('error', 'the arguments must be a JSON object, like {"path": "/tmp/x"}; fix it, or Esc to cancel');
  }
  const c = ctx.client();
  if (c === null) return;
  c.call('plan/edit', {
    planId: prompt.planId,
    planHash: prompt.planHash,
    stepId: prompt.stepId,
    args: args as Record<string, unknown>,
  })
    .then(
      (goal) => {
        ctx.dispatch({ type: 'promptClosed' });
        ctx.dispatch({ type: 'goalUpdated', goal, focus: true });
        ctx.dispatch({ type: 'focused', focus: 'plan' });
        ctx.flash('info', `new plan, hash ${goal.plan?.hash.slice(0, 12) ?? '?'}: review it and approve again`);
      },
      (error: unknown) => reportFailure(ctx, 'edit refused', error),
    )
    .catch(() => undefined);
}

/** `v`: a new plan for the failed (or interrupted) goal shown, planned with the failure as context and shown for review. */
export function revise(ctx: CommandContext): void {
  const state = ctx.store.getState();
  const shown = focusedGoal(state);
  if (shown === null || (shown.state !== 'failed' && shown.state !== 'interrupted')) {
    return ctx.flash('info', 'only a failed or interrupted goal can be revised: show one with [ and ]');
  }
  if (state.session?.role === 'viewer') return ctx.flash('warning', 'your role is viewer: you cannot revise plans');
  const c = ctx.client();
  if (c === null) return;
  ctx.flash('info', `asking for a revised plan: ${shown.text}`);
  c.call('goal/revise', { goalId: shown.id })
    .then(
      (goal) => {
        ctx.dispatch({ type: 'goalUpdated', goal, focus: true });
        ctx.dispatch({ type: 'focused', focus: 'plan' });
        ctx.flash(
          'info',
          `revised plan, hash ${goal.plan?.hash.slice(0, 12) ?? '?'}: review it and approve it (the old approval does not carry over)`,
        );
      },
      (error: unknown) => reportFailure(ctx, 'revise failed', error),
    )
    .catch(() => undefined);
}
