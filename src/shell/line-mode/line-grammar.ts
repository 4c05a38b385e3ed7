// What a line typed in line mode means. A line is a command only when it has exactly a
// command's shape (`rollback`, `rollback 7K2M9QXZ`, `approve s2`); anything else is a goal, so
// "rollback the nginx config change" is planned like any goal. `goal <text>` sends any text as a
// goal, even one shaped like a command. Pure: the session resolves goal ids it has seen.

export type Decision = 'approve' | 'reject' | 'skip';
export type GoalVerb = 'show' | 'trace' | 'rollback' | 'revise' | 'cancel';

export type LineCommand =
  | { kind: 'goal'; text: string; note?: string }
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'goals' }
  | { kind: 'pull' }
  | { kind: 'decide'; decision: Decision; stepId?: string }
  | { kind: 'edit'; stepId: string; json: string }
  | { kind: GoalVerb; goalId?: string }
  | { kind: 'usage'; message: string };

/** Each command as `help` lists it; the first word is the command. */
export const USAGE = {
  goal: 'goal <text>        send <text> as a goal, even if it reads like a command',
  approve: 'approve [step]     approve the plan shown, or one step of it (s1, s2...)',
  reject: 'reject [step]      reject the plan shown, or one step of it',
  skip: 'skip <step>        do not run that step; the others go on',
  edit: 'edit <step> <json> new arguments for a step: edit s1 {"path": "/tmp/x"}',
  cancel: 'cancel [goal]      stop a goal being planned (the model stops, nothing runs)',
  revise: 'revise [goal]      a new plan for a failed goal, with the failure as context',
  rollback: 'rollback [goal]    undo what a goal did',
  show: 'show [goal]        print a goal and its plan again',
  trace: "trace [goal]       a goal's decision trace: plan, approvals, steps, results",
  goals: 'goals              the latest goals on this node, with their ids',
  pull: 'pull               pull the local model recommended for this node (admins), with its progress',
  help: 'help               this list',
  quit: 'quit               leave (Ctrl-D too)',
} as const;

type Word = keyof typeof USAGE;

const WORDS = new Set<string>(Object.keys(USAGE));
const ALIASES: Readonly<Record<string, Word>> = { '?': 'help', exit: 'quit' };
const GOAL_VERBS = new Set<string>(['show', 'trace', 'rollback', 'revise', 'cancel']);
const STEP_ID = /^s\d+$/;
/** A full ULID: passed to aiosd even if this session has not seen it (aiosd says if there is none). */
const FULL_GOAL_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/i;

/**
 * `resolveGoal`: the full id of a goal this session knows by the id as typed (the 8 characters
 * printed after "goal", or the whole id), else null.
 */
export function parseLine(raw: string, resolveGoal: (typed: string) => string | null): LineCommand | null {
  const text = raw.trim();
  if (text === '') return null;
  const [first = '', ...rest] = text.split(/\s+/);
  const lower = first.toLowerCase();
  const word: string = ALIASES[lower] ?? lower;
  if (word === 'goal') {
    const goal = text.slice(first.length).trim();
    return goal === ''
      ? { kind: 'usage', message: `say what the goal is: ${USAGE.goal}` }
      : { kind: 'goal', text: goal };
  }
  if (!WORDS.has(word)) return { kind: 'goal', text };
  const command = shaped(word as Word, rest, text.slice(first.length).trim(), resolveGoal);
  const usage = USAGE[word as Word];
  if (command === 'misshapen' || (command === null && rest.length === 0))
    return { kind: 'usage', message: `not understood as ${word}: ${usage}` };
  if (command !== null) return command;
  return {
    kind: 'goal',
    text,
    note: `"${first} ..." is not the ${word} command (${usage.replace(/\s{2,}.*/, '')}): sent as a goal`,
  };
}

/**
 * The command when the words after it have its shape; 'misshapen' when its first argument has
 * the shape (a step or goal id) but the rest does not, so it was meant as the command; else null.
 */
function shaped(
  word: Word,
  args: string[],
  after: string,
  resolveGoal: (typed: string) => string | null,
): LineCommand | 'misshapen' | null {
  const [arg, ...more] = args;
  if (word === 'help' || word === 'quit' || word === 'goals' || word === 'pull')
    return arg === undefined ? { kind: word } : null;
  if (word === 'approve' || word === 'reject' || word === 'skip') {
    if (arg === undefined) return word === 'skip' ? 'misshapen' : { kind: 'decide', decision: word };
    if (!STEP_ID.test(arg)) return null;
    return more.length === 0 ? { kind: 'decide', decision: word, stepId: arg } : 'misshapen';
  }
  if (word === 'edit') {
    if (arg === undefined) return 'misshapen';
    if (!STEP_ID.test(arg)) return null;
    const json = after.slice(arg.length).trim();
    return json.startsWith('{') ? { kind: 'edit', stepId: arg, json } : 'misshapen';
  }
  if (GOAL_VERBS.has(word)) {
    const kind = word as GoalVerb;
    if (arg === undefined) return { kind };
    const goalId = resolveGoal(arg) ?? (FULL_GOAL_ID.test(arg) ? arg.toUpperCase() : null);
    if (goalId === null) return null;
    return more.length === 0 ? { kind, goalId } : 'misshapen';
  }
  return null;
}
