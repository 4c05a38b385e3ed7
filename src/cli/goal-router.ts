// Which `aios goal …` is a verb and which is a goal. The eight words below are always verbs
// after `aios goal`; `aios goal -- <text>` submits any text, those words included.
import {
  goalCancelCommand,
  goalCommand,
  goalResumeCommand,
  goalReviseCommand,
  goalShowCommand,
  rollbackCommand,
  type Io,
} from './commands.js';
import { verbIndex } from '../config/client-paths.js';
import { CliError, EXIT } from './exit-codes.js';
import { goalApproveCommand, goalListCommand, goalRejectCommand } from './goal-verbs.js';

export const GOAL_VERBS = ['list', 'show', 'approve', 'reject', 'rollback', 'cancel', 'resume', 'revise'] as const;
type Verb = (typeof GOAL_VERBS)[number];

export interface GoalOptions {
  yes?: boolean;
  confirm?: boolean;
  json?: boolean;
  hash?: string;
  step?: string[];
  state?: string;
  mine?: boolean;
  limit?: string;
  afterStep?: boolean;
  rerun?: string;
}

/** The options each use of `aios goal` takes; any other is refused rather than ignored. */
const ALLOWED: Record<Verb | 'submit', readonly (keyof GoalOptions)[]> = {
  submit: ['yes', 'confirm', 'json'],
  list: ['state', 'mine', 'limit', 'json'],
  show: ['json'],
  approve: ['hash', 'step', 'confirm', 'json'],
  reject: ['hash', 'step', 'json'],
  rollback: ['yes', 'json'],
  cancel: ['afterStep', 'json'],
  resume: ['rerun', 'json'],
  revise: ['yes', 'confirm', 'json'],
};

const FLAG: Record<keyof GoalOptions, string> = {
  yes: '--yes',
  confirm: '--confirm',
  json: '--json',
  hash: '--hash',
  step: '--step',
  state: '--state',
  mine: '--mine',
  limit: '--limit',
  afterStep: '--after-step',
  rerun: '--rerun',
};

/**
 * `words`: the operands commander found. `afterDashes`: how many of them came after a `--`
 * (commander drops the `--` itself), so `aios goal -- list` is told from `aios goal list`.
 */
export function classify(
  words: string[],
  afterDashes: number,
): { verb: Verb; args: string[] } | { verb: 'submit'; text: string } {
  const before = words.length - afterDashes;
  const [first, ...rest] = words;
  if (before > 0 && first !== undefined && (GOAL_VERBS as readonly string[]).includes(first))
    return { verb: first as Verb, args: rest };
  return { verb: 'submit', text: words.join(' ') };
}

export async function runGoal(
  socketPath: string,
  words: string[],
  afterDashes: number,
  o: GoalOptions,
  io: Io,
): Promise<number> {
  try {
    return await dispatch(socketPath, classify(words, afterDashes), o, io);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    if (io.json) io.out(JSON.stringify({ error: err.message }));
    else io.err(`aios: ${err.message}`);
    return err.exitCode;
  }
}

function dispatch(sock: string, c: ReturnType<typeof classify>, o: GoalOptions, io: Io): Promise<number> {
  const stray = (Object.keys(o) as (keyof GoalOptions)[]).filter(
    (k) => o[k] !== undefined && !ALLOWED[c.verb].includes(k),
  );
  if (stray.length > 0)
    throw new CliError(
      EXIT.usage,
      `${stray.map((k) => FLAG[k]).join(', ')} ${stray.length === 1 ? 'is' : 'are'} not an option of aios goal${c.verb === 'submit' ? '' : ` ${c.verb}`}`,
    );
  if (c.verb === 'submit') {
    if (c.text.trim() === '')
      throw new CliError(EXIT.usage, 'no goal given: aios goal "<what you want done>" (or aios goal list)');
    return goalCommand(sock, c.text, o.yes === true, io, o.confirm === true);
  }
  if (c.verb === 'list') {
    if (c.args.length > 0)
      throw new CliError(
        EXIT.usage,
        `aios goal list takes no words (got "${c.args.join(' ')}"); filter with --state, --mine, --limit`,
      );
    return goalListCommand(
      sock,
      {
        mine: o.mine === true,
        ...(o.state === undefined ? {} : { state: o.state }),
        ...(o.limit === undefined ? {} : { limit: o.limit }),
      },
      io,
    );
  }
  const [id, ...extra] = c.args;
  if (id === undefined || extra.length > 0)
    throw new CliError(
      EXIT.usage,
      `aios goal ${c.verb} takes one goal id${id === undefined ? '' : ` (got "${c.args.join(' ')}")`}`,
    );
  const decide = {
    ...(o.hash === undefined ? {} : { hash: o.hash }),
    ...(o.step === undefined ? {} : { steps: o.step }),
  };
  switch (c.verb) {
    case 'show':
      return goalShowCommand(sock, id, io);
    case 'approve':
      return goalApproveCommand(sock, id, { ...decide, confirm: o.confirm === true }, io);
    case 'reject':
      return goalRejectCommand(sock, id, decide, io);
    case 'rollback':
      return rollbackCommand(sock, id, io, o.yes === true, process.stdin.isTTY === true);
    case 'cancel':
      return goalCancelCommand(sock, id, io, o.afterStep === true);
    case 'resume':
      return goalResumeCommand(
        sock,
        id,
        io,
        o.rerun
          ?.split(',')
          .map((x) => x.trim())
          .filter((x) => x !== '') ?? [],
      );
    case 'revise':
      return goalReviseCommand(sock, id, o.yes === true, io, o.confirm === true);
  }
}

/** How many operands follow the first `--` after the `goal` verb in the raw command line. */
export function operandsAfterDashes(argv: readonly string[]): number {
  const goalAt = verbIndex(argv);
  const dashes = goalAt < 0 ? -1 : argv.indexOf('--', goalAt + 1);
  return dashes < 0 ? 0 : argv.length - dashes - 1;
}
