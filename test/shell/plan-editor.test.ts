// An edit of a goal's plan by someone other than its owner is said to the owner, in the TUI's
// plan view and in line mode, with who made it; the owner's own edits are not flagged.
import { describe, expect, it } from 'vitest';
import { formatPlan } from '../../src/shell/line-mode/line-format.js';
import { planLines } from '../../src/shell/rows/plan-lines.js';
import type { Line } from '../../src/shell/rows/styled-lines.js';
import { detectCaps } from '../../src/shell/terminal/terminal-caps.js';
import { goal, plan, step } from './fixtures.js';

const caps = detectCaps({ TERM: 'xterm-256color' });
const text = (l: Line): string => l.map((s) => s.text).join('');
const edited = (uid: number) =>
  goal({
    id: 'g',
    submittedBy: 'ada',
    ownerUid: 1000,
    state: 'awaiting_approval',
    plan: plan('g', [step({ id: 's1' })], { editedBy: { name: 'root', uid } }),
  });

describe('a plan edited by someone else', () => {
  it('is flagged with who edited it, in the plan view and in line mode', () => {
    const rows = planLines({ goal: edited(0), selected: 0, active: true, width: 100, height: 20, caps })
      .map(text)
      .join('\n');
    expect(rows).toContain('this plan was edited by root, not by ada: review every step before approving');
    expect(formatPlan(edited(0))).toContain('! this plan was edited by root, not by ada');
  });

  it('is not flagged when the owner edited it', () => {
    expect(
      planLines({ goal: edited(1000), selected: 0, active: true, width: 100, height: 20, caps })
        .map(text)
        .join('\n'),
    ).not.toContain('edited by');
    expect(formatPlan(edited(1000))).not.toContain('edited by');
  });
});
