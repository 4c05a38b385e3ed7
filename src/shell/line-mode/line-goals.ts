// What a line-mode session knows about goals: every goal on the node (from aiosd's events), the
// one shown (what approve, show and trace act on), the ones it follows (their changes are
// printed), and which goal each command means when no id is typed. Pure state; nothing printed.
import type { GoalAnswerView, GoalView, StepAnalysis } from '../../protocol/model.js';
import { EMPTY_BOOK, lastRanGoal, newestPlanning, upsertGoal, type GoalBook } from '../state/goals.js';

const RAN = new Set(['succeeded', 'failed', 'interrupted']);
const REVISABLE = new Set(['failed', 'interrupted']);

export class LineGoals {
  private book: GoalBook = EMPTY_BOOK;
  private readonly saidAnswers = new Set<string>();
  /** The goal shown: what approve, reject, skip, edit, show and trace act on. */
  shownId: string | null = null;
  /** Goals shown here, in the order they were: revise's default is the last that failed. */
  private readonly shownOrder: string[] = [];
  /** Goals whose changes of state are printed: the ones typed, decided or acted on here. */
  readonly followed = new Set<string>();
  /** Goals whose call is in flight: its answer shows the whole goal, so their events stay quiet. */
  readonly quiet = new Set<string>();
  /** The state last printed for each goal, so one change is said once. */
  private readonly said = new Map<string, string>();
  private readonly saidAnalyses = new Set<string>();

  get(id: string | null): GoalView | null {
    return id === null ? null : (this.book.byId[id] ?? null);
  }

  shown(): GoalView | null {
    return this.get(this.shownId);
  }

  /** Takes in a goal as aiosd sent it; returns the newest view held (an older update is ignored). */
  learn(goal: GoalView): GoalView {
    this.book = upsertGoal(this.book, goal);
    return this.book.byId[goal.id] ?? goal;
  }

  /** The goal is shown now, in full: its state counts as said. */
  showing(goal: GoalView): void {
    this.shownId = goal.id;
    this.shownOrder.push(goal.id);
    this.followed.add(goal.id);
    this.said.set(goal.id, goal.state);
    this.newAnalyses(goal);
  }

  /** True the first time a goal is in this state: that change is to be said. */
  newState(goal: GoalView): boolean {
    if (this.said.get(goal.id) === goal.state) return false;
    this.said.set(goal.id, goal.state);
    return true;
  }

  /** Diagnoses of failed steps not printed yet (each is said once, when it arrives). */
  newAnalyses(goal: GoalView): { stepId: string; analysis: StepAnalysis }[] {
    const fresh: { stepId: string; analysis: StepAnalysis }[] = [];
    for (const s of goal.plan?.steps ?? []) {
      const key = `${goal.id}/${s.id}`;
      if (s.analysis === undefined || this.saidAnalyses.has(key)) continue;
      this.saidAnalyses.add(key);
      fresh.push({ stepId: s.id, analysis: s.analysis });
    }
    return fresh;
  }

  /** A question's answer not printed yet (said once, when it has arrived). */
  newAnswer(goal: GoalView): GoalAnswerView | null {
    if (goal.answer === undefined || goal.answer.pending || this.saidAnswers.has(goal.id)) return null;
    this.saidAnswers.add(goal.id);
    return goal.answer;
  }

  /** revise's default: the last goal shown here that failed or was interrupted. */
  lastFailedShown(): GoalView | null {
    for (let i = this.shownOrder.length - 1; i >= 0; i--) {
      const g = this.get(this.shownOrder[i] ?? null);
      if (g !== null && REVISABLE.has(g.state)) return g;
    }
    return null;
  }

  /** rollback's default: the goal shown if it ran, else the last goal that ran. */
  toRollBack(): GoalView | null {
    const shown = this.shown();
    return shown !== null && RAN.has(shown.state) ? shown : lastRanGoal(this.book);
  }

  /**
   * cancel's default: the goal shown if it is being planned, else the newest of this session's,
   * else (unless `mineOnly`: Ctrl-C is too easy a key to stop another session's goal) the node's.
   */
  planning(mineOnly = false): GoalView | null {
    const shown = this.shown();
    if (shown?.state === 'planning') return shown;
    const mine = newestPlanning(this.book, (g) => this.followed.has(g.id));
    return mine ?? (mineOnly ? null : newestPlanning(this.book));
  }

  /** cancel's default: the goal shown while it can still be stopped (awaiting approval, running), else as planning(). */
  stoppable(): GoalView | null {
    const shown = this.shown();
    if (shown?.state === 'awaiting_approval' || shown?.state === 'running') return shown;
    return this.planning();
  }

  /** The full id of a goal known here, by the 8 characters printed or the whole id. */
  resolve(typed: string): string | null {
    const id = typed.toUpperCase();
    if (this.book.byId[id] !== undefined) return id;
    if (id.length !== 8) return null;
    return this.book.order.find((known) => known.endsWith(id)) ?? null;
  }

  /** The newest goals, oldest of them first. */
  recent(count: number): GoalView[] {
    return this.book.order
      .slice(-count)
      .map((id) => this.book.byId[id])
      .filter((g): g is GoalView => g !== undefined);
  }
}
