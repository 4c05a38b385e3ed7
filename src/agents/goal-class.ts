// Whether a goal asks a question or asks for a change, and how risky its words sound: read from
// the text alone, before any model runs. The router picks a model tier by it; the goal engine's
// answer step asks a model to answer only a question's goal.
import type { Risk } from '../protocol/model.js';

export type GoalKind = 'question' | 'change';

export interface GoalClass {
  kind: GoalKind;
  risk: Risk;
  /** The words that decided it, for the decision log. */
  because: string;
}

const HIGH =
  /\b(?:delete|remove|rm|erase|wipe|purge|drop|kill|terminate|stop|restart|reboot|shut\s*down|poweroff|halt|format|mkfs|partition|uninstall|install|upgrade|update|chmod|chown|firewall|iptables|nft|useradd|userdel|passwd|sudoers?|ssh\s*keys?|mount|umount|truncate|overwrite)\b/i;
const MEDIUM =
  /\b(?:create|make|write|edit|change|set|add|append|move|mv|rename|copy|cp|enable|disable|configure|replace|save|put|touch|start|schedule|cron)\b/i;
const QUESTION =
  /^(?:what|which|how|why|when|where|who|whose|is|are|was|were|does|do|did|can|could|should|will|show|list|find|check|count|display|tell|explain|describe|report|summari[sz]e|analy[sz]e|diagnose|monitor|watch|look)\b|\?\s*$/i;

export function classifyGoal(text: string): GoalClass {
  const t = text.trim();
  const high = HIGH.exec(t);
  const medium = MEDIUM.exec(t);
  const question = QUESTION.test(t);
  if (high !== null) return { kind: question ? 'question' : 'change', risk: 'high', because: `"${high[0]}"` };
  if (medium !== null && !question) return { kind: 'change', risk: 'medium', because: `"${medium[0]}"` };
  return {
    kind: question ? 'question' : 'change',
    risk: question ? 'low' : 'medium',
    because: question ? 'a question' : 'no risk words; treated as a change',
  };
}
