// `aios goal …` for scripts: list, approve and reject by id, alongside show, rollback, cancel,
// resume and revise (commands.ts). Each answers in --json too; exit codes are in exit-codes.ts.
import type { AiosClient } from '../protocol/client.js';
import { GoalState, type GoalView } from '../protocol/model.js';
import { sanitize } from '../text/sanitize.js';
import { TERMINAL, waitForGoal, withClient, type Io } from './commands.js';
import { CliError, EXIT } from './exit-codes.js';
import { formatGoal } from './format.js';
import { resolveGoalId } from './goal-id.js';

const one = (s: string): string => sanitize(s, { singleLine: true });

/** The id as the TUI and line mode print it, which `aios goal <verb>` takes back. */
export const shortGoalId = (id: string): string => id.slice(-8);

export interface ListOptions {
  state?: string;
  mine: boolean;
  limit?: string;
}

export function goalListCommand(socketPath: string, o: ListOptions, io: Io): Promise<number> {
  const state = o.state === undefined ? undefined : GoalState.safeParse(o.state);
  if (state?.success === false)
    throw new CliError(EXIT.usage, `--state ${o.state}: not a goal state; one of ${GoalState.options.join(', ')}`);
  const limit = o.limit === undefined ? 50 : Number(o.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    throw new CliError(EXIT.usage, `--limit ${o.limit}: a whole number from 1 to 500`);
  return withClient(socketPath, io, async (client) => {
    const { goals } = await client.call('goal/list', {
      limit,
      ...(state === undefined ? {} : { state: state.data }),
      ...(o.mine ? { mine: true } : {}),
    });
    if (io.json) io.out(JSON.stringify({ goals }));
    else io.out(goals.length === 0 ? 'no goals' : goals.map(listLine).join('\n'));
    return EXIT.ok;
  });
}

function listLine(g: GoalView): string {
  const plan = g.plan === null ? '' : `  plan ${g.plan.hash.slice(0, 16)}`;
  return `${shortGoalId(g.id)}  ${g.createdAt}  ${g.state.padEnd(17)} ${one(g.submittedBy).padEnd(14)} ${one(g.text)}${plan}`;
}

export interface DecideOptions {
  hash?: string;
  steps?: string[];
  confirm: boolean;
}

/** The goal, which must be waiting for a decision, and the full hash to bind the decision to. */
async function pending(
  client: AiosClient,
  typedId: string,
  hash: string | undefined,
): Promise<{ goal: GoalView & { plan: NonNullable<GoalView['plan']> }; hash: string; reviewed: boolean }> {
  const goal = await client.call('goal/get', { goalId: await resolveGoalId(client, typedId) });
  if (goal.state !== 'awaiting_approval' || goal.plan === null) {
    throw new CliError(
      EXIT.failed,
      `goal ${shortGoalId(goal.id)} is ${goal.state.replace(/_/g, ' ')}: there is no plan waiting for a decision`,
    );
  }
  const plan = goal.plan;
  if (hash === undefined) return { goal: { ...goal, plan }, hash: plan.hash, reviewed: false };
  const given = hash.toLowerCase();
  // formatGoal prints 16 characters of the hash; fewer would make the binding guessable.
  if (!/^[0-9a-f]{16,}$/.test(given))
    throw new CliError(
      EXIT.usage,
      `--hash ${hash}: give at least the 16 hexadecimal characters the plan's listing prints`,
    );
  // A prefix of the current hash stands for it; anything else goes to aiosd as given, which refuses it (and records the refusal).
  return { goal: { ...goal, plan }, hash: plan.hash.startsWith(given) ? plan.hash : given, reviewed: true };
}

export function goalApproveCommand(socketPath: string, typedId: string, o: DecideOptions, io: Io): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    await client.call('events/subscribe', {});
    const { goal, hash, reviewed } = await pending(client, typedId, o.hash);
    const decided = await client.call('plan/decide', {
      planId: goal.plan.id,
      planHash: hash,
      decision: 'approve',
      ...(o.steps === undefined ? {} : { stepIds: o.steps }),
      ...(o.confirm ? { confirm: true } : {}),
    });
    const approved = {
      planId: goal.plan.id,
      hash,
      boundTo: reviewed ? 'the hash given' : 'the current plan',
      steps: o.steps ?? 'all pending',
    };
    if (!io.json)
      io.out(
        `approved plan ${goal.plan.id} of goal ${shortGoalId(goal.id)}, hash ${hash} (${approved.boundTo}${reviewed ? '' : '; pass --hash to bind the approval to the plan you reviewed'})`,
      );
    // Steps left pending: the goal waits for the rest of its decisions.
    const final =
      decided.state === 'awaiting_approval' || TERMINAL.has(decided.state)
        ? decided
        : await waitForGoal(client, decided.id, io);
    if (io.json) io.out(JSON.stringify({ approved, goal: final }));
    else
      io.out(
        final.state === 'awaiting_approval'
          ? formatGoal(final)
          : `\n${final.state}${final.message === null ? '' : `: ${sanitize(final.message)}`}`,
      );
    return final.state === 'succeeded' || final.state === 'awaiting_approval' ? EXIT.ok : EXIT.failed;
  });
}

export function goalRejectCommand(
  socketPath: string,
  typedId: string,
  o: Omit<DecideOptions, 'confirm'>,
  io: Io,
): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    const { goal, hash } = await pending(client, typedId, o.hash);
    const decided = await client.call('plan/decide', {
      planId: goal.plan.id,
      planHash: hash,
      decision: 'reject',
      ...(o.steps === undefined ? {} : { stepIds: o.steps }),
    });
    if (io.json) io.out(JSON.stringify(decided));
    else io.out(formatGoal(decided));
    return EXIT.ok;
  });
}
