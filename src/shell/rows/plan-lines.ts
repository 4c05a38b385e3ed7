// A goal and its plan as rows that fit a given height: the header, the daemon's message, every
// step (id, agent, tool, exact args as JSON, risk, reversibility, state, preview) with the
// selected one expanded, trimmed around the selection with "…N more" markers when tall.
import { analysisText, answerText } from './analysis-text.js';
import type { GoalView, StepView } from '../../protocol/model.js';
import { headRows, line, seg, textRows, type Line, type Tone } from './styled-lines.js';
import { sanitize } from '../../text/sanitize.js';
import { editedByOther } from '../state/plan-editor.js';
import type { TerminalCaps } from '../terminal/terminal-caps.js';
import { fold } from '../terminal/text-width.js';
import { GOAL_TONE, RISK_TONE, STEP_TONE } from './tones.js';

export interface PlanLinesInput {
  goal: GoalView;
  selected: number;
  /** The plan owns the keyboard (the selection is drawn in reverse video). */
  active: boolean;
  width: number;
  height: number;
  caps: TerminalCaps;
}

const INDENT = '    ';

function words(state: string): string {
  return state.replace(/_/g, ' ');
}

/**
 * Each step's depth in the plan's DAG (a step runs after everything it depends on): roots 0,
 * others one deeper than their deepest dependency. Steps keep the plan's order; the depth is
 * drawn as tree branches, and a step with several dependencies names them.
 */
export function stepDepths(steps: readonly StepView[]): Map<string, number> {
  const depth = new Map<string, number>();
  for (const s of steps)
    depth.set(
      s.id,
      s.dependsOn.reduce((d, dep) => Math.max(d, (depth.get(dep) ?? -1) + 1), 0),
    );
  return depth;
}

function treePrefix(depth: number, caps: TerminalCaps): string {
  if (depth <= 0) return '';
  return caps.glyphs.pipe.repeat(Math.min(depth - 1, 6)) + caps.glyphs.branch;
}

function stepHead(step: StepView, selected: boolean, active: boolean, caps: TerminalCaps, depth = 0): Line {
  const mark = selected ? caps.glyphs.pointer : ' ';
  const hi = selected && active;
  const decided = step.approvedBy !== null && step.state !== 'pending' ? ` by ${step.approvedBy}` : '';
  return [
    seg(`${mark} `, { bold: selected, inverse: hi }),
    seg(treePrefix(depth, caps), { tone: 'muted' }),
    seg(`${step.id} `, { bold: selected, inverse: hi }),
    seg(`${step.agent} ${step.tool}`, { bold: selected, inverse: hi }),
    seg(`  risk ${step.risk}`, { tone: RISK_TONE[step.risk] }),
    seg(step.reversible ? '  reversible' : '  NOT reversible', step.reversible ? {} : { tone: 'danger', bold: true }),
    seg(`  [${words(step.state)}${decided}]`, { tone: STEP_TONE[step.state] }),
    seg(step.dependsOn.length > 0 ? `  after ${step.dependsOn.join(', ')}` : '', { tone: 'muted' }),
  ];
}

function argsJson(step: StepView): string {
  return JSON.stringify(step.args);
}

function compactBlock(step: StepView, caps: TerminalCaps, rows: 1 | 3, depth = 0): Line[] {
  const head = stepHead(step, false, false, caps, depth);
  if (rows === 1) return [head];
  return [
    head,
    [seg(`${INDENT}args `, { tone: 'muted' }), seg(argsJson(step))],
    [seg(INDENT), seg(step.preview.summary)],
  ];
}

/** The selected step in full, cut to `max` rows with a marker when longer. */
function expandedBlock(step: StepView, input: PlanLinesInput, max: number, depth = 0): Line[] {
  const { width, caps } = input;
  const inner = Math.max(10, width - INDENT.length);
  const body: Line[] = [];
  const push = (rows: string[], tone?: Tone, label = INDENT): void => {
    const cont = ' '.repeat(label.length);
    rows.forEach((r, i) => body.push([seg(i === 0 ? label : cont, { tone: 'muted' }), seg(r, tone ? { tone } : {})]));
  };
  // An unknown outcome is not an error: its note says it may already have run and how to run it again.
  const unknown = step.state === 'outcome_unknown';
  if (step.error !== null)
    push(textRows(unknown ? step.error : `error: ${step.error}`, inner), unknown ? 'warn' : 'danger');
  if (step.analysis !== undefined) {
    const { rows, ok } = analysisText(step.analysis);
    for (const r of rows) push(textRows(r, inner), ok ? 'accent' : 'muted');
  }
  const policy = step.preview.policy;
  if (policy !== undefined && policy.decision !== 'allow') {
    push(
      textRows(
        `${policy.decision === 'deny' ? 'policy denies' : 'needs your explicit confirmation'}: ${policy.reasons.join('; ')}`,
        inner,
      ),
      policy.decision === 'deny' ? 'danger' : 'warn',
    );
  }
  if (policy !== undefined && policy.adminReasons.length > 0)
    push(textRows(`admin only: ${policy.adminReasons.join('; ')}`, inner), 'warn');
  push(textRows(step.preview.summary, inner));
  if (step.preview.verify !== undefined) push(textRows(`verify: ${step.preview.verify}`, inner), 'accent');
  push(fold(sanitize(argsJson(step), { singleLine: true }), inner - 5), undefined, `${INDENT}args `);
  if (step.preview.detail !== undefined && step.preview.detail !== '') push(textRows(step.preview.detail, inner));
  if (step.rationale !== '') push(textRows(`why: ${step.rationale}`, inner), 'muted');
  const rows = [stepHead(step, true, input.active, caps, depth), ...body];
  if (rows.length <= max) return rows;
  const keep = Math.max(1, max - 1);
  const cut = rows.slice(0, keep);
  if (max > keep) cut.push(line(`${INDENT}${caps.glyphs.ellipsis}${rows.length - keep} more lines`, { tone: 'muted' }));
  return cut;
}

/** Steps in `budget` rows: others in 3 rows, else 1 row, else a window around the selection. */
function stepRows(steps: StepView[], input: PlanLinesInput, budget: number): Line[] {
  if (budget <= 0 || steps.length === 0) return [];
  const sel = Math.min(Math.max(0, input.selected), steps.length - 1);
  const others = steps.length - 1;
  const selectedStep = steps[sel];
  if (selectedStep === undefined) return [];
  const depths = stepDepths(steps);
  const d = (s: StepView): number => depths.get(s.id) ?? 0;
  for (const rows of [3, 1] as const) {
    const room = budget - others * rows;
    if (room >= Math.min(3, budget)) {
      return steps.flatMap((s, i) =>
        i === sel ? expandedBlock(s, input, room, d(s)) : compactBlock(s, input.caps, rows, d(s)),
      );
    }
  }
  if (budget <= 2) return expandedBlock(selectedStep, input, budget, d(selectedStep));
  // A window: the selected step (up to half the room), neighbours as one row each, markers.
  const expanded = expandedBlock(
    selectedStep,
    input,
    Math.max(1, Math.min(budget - 2, Math.ceil(budget / 2))),
    d(selectedStep),
  );
  let lo = sel;
  let hi = sel;
  let used = expanded.length;
  const markers = (a: number, b: number): number => (a > 0 ? 1 : 0) + (b < steps.length - 1 ? 1 : 0);
  for (;;) {
    const canLo = lo > 0 && used + 1 + markers(lo - 1, hi) <= budget;
    const canHi = hi < steps.length - 1 && used + 1 + markers(lo, hi + 1) <= budget;
    if (!canLo && !canHi) break;
    if (canHi && (!canLo || hi - sel <= sel - lo)) hi++;
    else lo--;
    used++;
  }
  const g = input.caps.glyphs;
  const out: Line[] = [];
  if (lo > 0) out.push(line(`  ${g.up} ${g.ellipsis}${lo} more`, { tone: 'muted' }));
  for (let i = lo; i <= hi; i++) {
    const s = steps[i];
    if (s !== undefined) out.push(...(i === sel ? expanded : compactBlock(s, input.caps, 1, d(s))));
  }
  if (hi < steps.length - 1)
    out.push(line(`  ${g.down} ${g.ellipsis}${steps.length - 1 - hi} more`, { tone: 'muted' }));
  return out.slice(0, budget);
}

export function planLines(input: PlanLinesInput): Line[] {
  const { goal, width, height } = input;
  const g = input.caps.glyphs;
  if (height <= 0) return [];
  const out: Line[] = [
    [
      seg('goal ', { bold: true }),
      seg(`[${words(goal.state)}] `, { tone: GOAL_TONE[goal.state], bold: true }),
      seg(goal.text),
    ],
  ];
  const plan = goal.plan;
  if (plan !== null) {
    const n = plan.steps.length;
    out.push(
      line(
        `plan ${plan.id} ${g.sep} ${plan.tier} ${g.sep} hash ${plan.hash.slice(0, 12)} ${g.sep} ${n} step${n === 1 ? '' : 's'}`,
        { tone: 'muted' },
      ),
    );
    const edited = editedByOther(goal);
    if (edited !== null)
      for (const r of textRows(edited, width - 2)) out.push([seg('  '), seg(r, { tone: 'warn', bold: true })]);
  }
  if (goal.message !== null && goal.message !== '') {
    const tone: Tone = goal.state === 'not_understood' || goal.state === 'failed' ? 'warn' : 'accent';
    const room = plan === null ? height - out.length : Math.min(3, height - out.length - 1);
    for (const r of headRows(textRows(goal.message, width - 2), room, (k) => `${g.ellipsis}${k} more lines`)) {
      out.push([seg('  '), seg(r, { tone })]);
    }
  }
  if (goal.answer !== undefined) {
    // The answer goes above the steps and their outputs: it is what the question asked for.
    const { rows, ok } = answerText(goal.answer);
    const room = Math.max(1, Math.floor((height - out.length) / 2));
    for (const r of headRows(
      rows.flatMap((x) => textRows(x, width - 2)),
      room,
      (k) => `${g.ellipsis}${k} more lines`,
    )) {
      out.push([seg('  '), seg(r, { tone: ok ? 'accent' : 'muted', bold: ok })]);
    }
  }
  if (plan !== null) out.push(...stepRows(plan.steps, input, height - out.length));
  return out.slice(0, height);
}
