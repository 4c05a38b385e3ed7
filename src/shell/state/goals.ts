// The goals the shell knows, by id and in order of creation, and the small facts the keys need
// about them. Pure functions over data from the daemon; nothing here renders.
import type { GoalView, StepState, StepView } from '../../protocol/model.js';

export interface GoalBook {
  byId: Readonly<Record<string, GoalView>>;
  /** Oldest first. */
  order: readonly string[];
}

export const EMPTY_BOOK: GoalBook = { byId: {}, order: [] };

function earlier(a: GoalView, b: GoalView): boolean {
  return a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id < b.id);
}

/** Adds or replaces a goal; an update older than the one held is ignored. */
export function upsertGoal(book: GoalBook, goal: GoalView): GoalBook {
  const held = book.byId[goal.id];
  if (held !== undefined) {
    if (goal.updatedAt < held.updatedAt) return book;
    return { byId: { ...book.byId, [goal.id]: goal }, order: book.order };
  }
  const order = [...book.order];
  let at = order.length;
  while (at > 0) {
    const prev = book.byId[order[at - 1] ?? ''];
    if (prev === undefined || earlier(prev, goal)) break;
    at--;
  }
  order.splice(at, 0, goal.id);
  return { byId: { ...book.byId, [goal.id]: goal }, order };
}

/** Replaces the whole book with a fresh list (after a reconnect). */
export function loadGoals(goals: readonly GoalView[]): GoalBook {
  let book = EMPTY_BOOK;
  for (const g of goals) book = upsertGoal(book, g);
  return book;
}

/** Applies a change to one step of a goal's plan; unknown goals or steps leave the book as is. */
export function patchStep(
  book: GoalBook,
  goalId: string,
  stepId: string,
  change: (step: StepView) => StepView,
): GoalBook {
  const goal = book.byId[goalId];
  if (goal?.plan == null || !goal.plan.steps.some((s) => s.id === stepId)) return book;
  const steps = goal.plan.steps.map((s) => (s.id === stepId ? change(s) : s));
  const next: GoalView = { ...goal, plan: { ...goal.plan, steps } };
  return { byId: { ...book.byId, [goalId]: next }, order: book.order };
}

const RAN: ReadonlySet<StepState> = new Set(['succeeded', 'failed']);

/** The most recent goal that ran at least in part: what `r` rolls back. */
export function lastRanGoal(book: GoalBook): GoalView | null {
  for (let i = book.order.length - 1; i >= 0; i--) {
    const g = book.byId[book.order[i] ?? ''];
    if (g === undefined) continue;
    if (g.state === 'succeeded' || g.state === 'failed' || g.state === 'interrupted') return g;
    if (g.state !== 'running' && g.plan?.steps.some((s) => RAN.has(s.state)) === true) return g;
  }
  return null;
}

/** The newest goal still being planned (of those `which` accepts): what Ctrl-C or `cancel` stops. */
export function newestPlanning(book: GoalBook, which: (g: GoalView) => boolean = () => true): GoalView | null {
  for (let i = book.order.length - 1; i >= 0; i--) {
    const g = book.byId[book.order[i] ?? ''];
    if (g?.state === 'planning' && which(g)) return g;
  }
  return null;
}

export function newestGoalId(book: GoalBook): string | null {
  return book.order[book.order.length - 1] ?? null;
}
