// Which model tier plans a goal, decided before any model runs: from the goal's kind (a
// question, or a change) and its likely risk, the tiers configured and up, and the budget
// left. Pure, so every rule is tested directly; the router records the result as a decision.
import type { Risk } from '../protocol/model.js';

export type ModelTier = 'operational' | 'tactical' | 'cloud';
export type GoalKind = 'question' | 'change';

export interface GoalClass {
  kind: GoalKind;
  risk: Risk;
  /** The words that decided it, for the decision log. */
  because: string;
}

const HIGH = /\b(?:delete|remove|rm|erase|wipe|purge|drop|kill|terminate|stop|restart|reboot|shut\s*down|poweroff|halt|format|mkfs|partition|uninstall|install|upgrade|update|chmod|chown|firewall|iptables|nft|useradd|userdel|passwd|sudoers?|ssh\s*keys?|mount|umount|truncate|overwrite)\b/i;
const MEDIUM = /\b(?:create|make|write|edit|change|set|add|append|move|mv|rename|copy|cp|enable|disable|configure|replace|save|put|touch|start|schedule|cron)\b/i;
const QUESTION = /^(?:what|which|how|why|when|where|who|whose|is|are|was|were|does|do|did|can|could|should|will|show|list|find|check|count|display|tell|explain|describe|report|summari[sz]e|analy[sz]e|diagnose|monitor|watch|look)\b|\?\s*$/i;

export function classifyGoal(text: string): GoalClass {
  const t = text.trim();
  const high = HIGH.exec(t);
  const medium = MEDIUM.exec(t);
  const question = QUESTION.test(t);
  if (high !== null) return { kind: question ? 'question' : 'change', risk: 'high', because: `"${high[0]}"` };
  if (medium !== null && !question) return { kind: 'change', risk: 'medium', because: `"${medium[0]}"` };
  return { kind: question ? 'question' : 'change', risk: question ? 'low' : 'medium', because: question ? 'a question' : 'no risk words; treated as a change' };
}

export interface TierState {
  configured: boolean;
  up: boolean;
  detail: string;
}

export interface Route {
  /** Tiers to try, in order: configured and up. */
  order: ModelTier[];
  /** Configured tiers left out, and why (degraded). */
  skipped: { tier: ModelTier; why: string }[];
  why: string;
}

/** Below this share of a monthly budget left, the cloud is tried only after the local models. */
export const LOW_BUDGET = 0.1;

const PREFERENCE: Record<Risk, ModelTier[]> = {
  // Cheap and fast first; a question read wrongly is harmless, and nothing runs unapproved.
  low: ['operational', 'tactical', 'cloud'],
  medium: ['tactical', 'cloud', 'operational'],
  // The strongest model first for what could break the node.
  high: ['cloud', 'tactical', 'operational'],
};

export function route(goal: GoalClass, tiers: Record<ModelTier, TierState>, budgetLeft: number | null): Route {
  let order = [...PREFERENCE[goal.risk]];
  const notes = [`${goal.kind}, ${goal.risk} risk (${goal.because})`];
  if (budgetLeft !== null && budgetLeft < LOW_BUDGET && tiers.cloud.configured) {
    order = [...order.filter((t) => t !== 'cloud'), 'cloud'];
    notes.push(`cloud last: ${Math.round(budgetLeft * 100)}% of the monthly budget left`);
  }
  const skipped: Route['skipped'] = [];
  const usable: ModelTier[] = [];
  for (const t of order) {
    if (!tiers[t].configured) continue;
    if (tiers[t].up) usable.push(t);
    else skipped.push({ tier: t, why: tiers[t].detail });
  }
  if (skipped.length > 0) notes.push(`degraded: ${skipped.map((s) => `${s.tier} down (${s.why})`).join(', ')}`);
  return { order: usable, skipped, why: notes.join('; ') };
}
