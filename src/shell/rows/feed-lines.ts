// The most recent goals, one row each, newest last; the shown one is marked. Goals typed while
// aiosd was unreachable follow, marked queued, until they are sent.
import type { GoalBook } from '../state/goals.js';
import { line, seg, type Line } from './styled-lines.js';
import type { TerminalCaps } from '../terminal/terminal-caps.js';
import { GOAL_TONE } from './tones.js';

export interface FeedInput {
  goals: GoalBook;
  focusedGoalId: string | null;
  queued?: readonly string[];
  height: number;
  caps: TerminalCaps;
}

export function feedLines({ goals, focusedGoalId, queued = [], height, caps }: FeedInput): Line[] {
  if (height <= 0 || goals.order.length + queued.length === 0) return [];
  const waiting = queued.slice(-height);
  const room = height - waiting.length;
  const shown = room <= 0 ? [] : goals.order.length <= room ? goals.order : goals.order.slice(-(room - 1));
  const rows: Line[] = [];
  const hidden = goals.order.length - shown.length;
  if (hidden > 0 && room > 0) rows.push(line(`${caps.glyphs.ellipsis}${hidden} earlier`, { tone: 'muted' }));
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
  for (const text of waiting) rows.push([seg('  '), seg('[queued]', { tone: 'warn', bold: true }), seg(` ${text}`)]);
  return rows.slice(0, height);
}
