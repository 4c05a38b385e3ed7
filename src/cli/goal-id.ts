// A goal as a script names it: the whole id, or the 8 characters the TUI and line mode print
// (the end of the id), or a start of 8 or more. Resolved by aiosd to exactly one goal, or refused;
// an id is never taken for goal text.
import type { AiosClient } from '../protocol/client.js';
import { CliError, EXIT } from './exit-codes.js';

const TYPED_ID = /^[0-9A-HJKMNP-TV-Z]{8,26}$/i;

export async function resolveGoalId(client: AiosClient, typed: string): Promise<string> {
  if (!TYPED_ID.test(typed)) {
    throw new CliError(
      EXIT.usage,
      `"${typed}" is not a goal id: give the whole id or the 8 characters the TUI prints (aios goal list shows them); to submit it as a goal, write aios goal -- ${typed}`,
    );
  }
  const { goals } = await client.call('goal/list', { id: typed, limit: 3 });
  const [first] = goals;
  if (first === undefined) throw new CliError(EXIT.noSuchGoal, `no goal "${typed}"; aios goal list shows them`);
  if (goals.length > 1) {
    throw new CliError(
      EXIT.noSuchGoal,
      `"${typed}" names more than one goal (${goals.map((g) => g.id).join(', ')}${goals.length > 2 ? ', …' : ''}): give more of the id`,
    );
  }
  return first.id;
}
