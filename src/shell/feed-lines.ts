// The most recent goals, one row each, newest last; the shown one is marked.
import type { GoalBook } from './goals.js';
import { line, seg, type Line } from './styled-lines.js';
import type { TerminalCaps } from './terminal-caps.js';
import { GOAL_TONE } from './tones.js';

export interface FeedInput {
  goals: GoalBook;
  focusedGoalId: string | null;
  height: number;
  caps: TerminalCaps;
}

export function feedLines({ goals, focusedGoalId, height, caps }: FeedInput): Line[] {
  if (height <= 0 || goals.order.length === 0) return [];
  const shown = goals.order.length <= height ? goals.order : goals.order.slice(-(height - 1));
  const rows: Line[] = [];
  const hidden = goals.order.length - shown.length;
  if (hidden > 0) rows.push(line(`${caps.glyphs.ellipsis}${hidden} earlier`, { tone: 'muted' }));
  for (const id of shown) {
    const goal = goals.byId[id];
    if (goal === undefined) continue;
    const mark = id === focusedGoalId ? caps.glyphs.pointer : ' ';
    rows.push([
      seg(`${mark} `),
      seg(`[${goal.state.replace(/_/g, ' ')}]`, { tone: GOAL_TONE[goal.state] }),
      seg(` ${goal.text}`),
    ]);
  }
  return rows;
}
