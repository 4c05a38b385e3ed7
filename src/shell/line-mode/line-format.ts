// What line mode prints: goals, plans, decision traces and the help, as plain lines. Everything
// that came from the daemon, a model or a file is sanitised here, so no printed text can move
// the cursor, write the clipboard or fake a prompt.
import { analysisText, answerText } from '../rows/analysis-text.js';
import type { GoalView, TraceItem } from '../../protocol/model.js';
import { sanitize } from '../../text/sanitize.js';
import { editedByOther } from '../state/plan-editor.js';
import { USAGE } from './line-grammar.js';

const one = (text: string): string => sanitize(text, { singleLine: true });

/** The id as line mode prints it and accepts it back: its last 8 characters. */
export function shortId(goalId: string): string {
  return goalId.slice(-8);
}

export function stateWords(state: string): string {
  return state.replace(/_/g, ' ');
}

export const HELP = [
  'Type what you want done in plain words and press Enter: that is a goal. Its plan',
  'is printed, and nothing runs until you approve it. A line is a command only when',
  'it is exactly one of these; anything else is a goal:',
  ...Object.values(USAGE).map((u) => `  ${u}`),
  '[goal]: the 8 characters printed after "goal" (or the whole id). Left out: the',
  'goal shown; for revise the last that failed, for rollback the last that ran, for',
  'cancel the one shown while it can be stopped, else the one being planned. Risky',
  "steps are approved only after you type the step's id or yes; a rollback says what",
  'it would restore and remove, and asks for yes.',
].join('\n');

/** What line mode says as it starts: short, so it fits an 80x24 screen with room to work. */
export const BANNER = [
  'aiOS line mode (this terminal cannot move the cursor).',
  "Type a goal in plain words; its plan is printed, and nothing runs until you 'approve'.",
  "Commands, as exact words ('help' explains each; any other line is a goal):",
  `  ${Object.keys(USAGE).join(' ')}`,
].join('\n');

export function formatPlan(goal: GoalView): string {
  const out = [`goal ${shortId(goal.id)} [${stateWords(goal.state)}] ${one(goal.text)}`];
  if (goal.message !== null && goal.message !== '') out.push(`  ${sanitize(goal.message)}`);
  if (goal.answer !== undefined) for (const r of answerText(goal.answer).rows) out.push(`  ${one(r)}`);
  const plan = goal.plan;
  if (plan !== null) {
    out.push(`plan ${plan.id} (${plan.tier} tier) hash ${plan.hash.slice(0, 12)}`);
    const edited = editedByOther(goal);
    if (edited !== null) out.push(`  ! ${edited}`);
    for (const s of plan.steps) {
      const after = s.dependsOn.length > 0 ? `  after ${s.dependsOn.join(', ')}` : '';
      out.push(
        `  ${s.id} ${s.agent} ${s.tool}  risk ${s.risk}  ${s.reversible ? 'reversible' : 'NOT reversible'}  [${stateWords(s.state)}]${after}`,
      );
      out.push(`      args ${one(JSON.stringify(s.args))}`);
      out.push(`      ${one(s.preview.summary)}`);
      if (s.preview.detail !== undefined)
        for (const l of sanitize(s.preview.detail).split('\n').slice(0, 20)) out.push(`      ${l}`);
      if (s.error !== null) out.push(`      error: ${one(s.error)}`);
      if (s.analysis !== undefined) for (const r of analysisText(s.analysis).rows) out.push(`      ${one(r)}`);
    }
  }
  return out.join('\n');
}

export function formatTrace(goal: GoalView, items: readonly TraceItem[]): string {
  const out = [
    `decision trace of goal ${shortId(goal.id)} [${stateWords(goal.state)}] ${one(goal.text)} (${items.length} records)`,
  ];
  for (const i of items) {
    out.push(
      `  ${i.ts}  ${i.source}${i.seq === null ? '' : ` #${i.seq}`}  ${one(i.kind)}  ${one(i.actor)}: ${one(i.summary)}`,
    );
  }
  return out.join('\n');
}

/** Newest last, as a terminal scrolls. */
export function formatGoalList(goals: readonly GoalView[]): string {
  if (goals.length === 0) return 'no goals yet';
  return goals.map((g) => `goal ${shortId(g.id)} [${stateWords(g.state)}] ${one(g.text)}`).join('\n');
}
