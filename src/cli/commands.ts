// The CLI's verbs. Each talks to aiosd over the protocol; none acts on the system itself.
import { patchLine } from './patch-line.js';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { AiosClient } from '../protocol/client.js';
import { GoalEnded, type GoalView } from '../protocol/model.js';
import { answerText } from '../shell/rows/analysis-text.js';
import { previewText } from '../shell/commands/brake-commands.js';
import { sanitize } from '../text/sanitize.js';
import { connectDaemon, exitCodeFor } from './connect.js';
import { resolveGoalId } from './goal-id.js';
import { formatGoal, formatSnapshot } from './format.js';

export interface Io {
  json: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
}

export const TERMINAL: ReadonlySet<string> = new Set(GoalEnded.options);

export async function withClient(socketPath: string, io: Io, fn: (c: AiosClient) => Promise<number>): Promise<number> {
  let client: AiosClient | undefined;
  try {
    client = await connectDaemon(socketPath);
    return await fn(client);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (io.json) io.out(JSON.stringify({ error: msg }));
    else io.err(`aios: ${msg}`);
    return exitCodeFor(err);
  } finally {
    client?.close();
  }
}

/** Waits for a goal to reach a final state, streaming step output as it comes. */
/** `also`: a further test of a terminal state (a cancel waits past "interrupted"). */
export function waitForGoal(
  client: AiosClient,
  goalId: string,
  io: Io,
  also: (state: string) => boolean = () => true,
): Promise<GoalView> {
  const done = (state: string): boolean => TERMINAL.has(state) && also(state);
  return new Promise((resolve, reject) => {
    const off = client.onEvent((ev) => {
      if (ev.type === 'step.output' && ev.goalId === goalId && !io.json) io.out(sanitize(ev.chunk).replace(/\n$/, ''));
      if (ev.type === 'goal.updated' && ev.goal.id === goalId && done(ev.goal.state)) {
        off();
        resolve(ev.goal);
      }
    });
    client.onClose((reason) => reject(new Error(`lost aiosd while waiting: ${reason}`)));
    // The goal may have finished before the subscription saw it.
    client.call('goal/get', { goalId }).then((g) => {
      if (done(g.state)) {
        off();
        resolve(g);
      }
    }, reject);
  });
}

/** How long the CLI waits for a question's answer after its steps ran (a model call, local or cloud). */
const ANSWER_WAIT_MS = 120_000;

/** A question that succeeded is answered by a model just after: wait for it (bounded). */
async function withAnswer(client: AiosClient, goal: GoalView): Promise<GoalView> {
  const now = await client.call('goal/get', { goalId: goal.id });
  if (now.answer?.pending !== true) return now;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      off();
      resolve(now);
    }, ANSWER_WAIT_MS);
    const off = client.onEvent((ev) => {
      if (
        ev.type === 'goal.updated' &&
        ev.goal.id === goal.id &&
        ev.goal.answer !== undefined &&
        !ev.goal.answer.pending
      ) {
        clearTimeout(timer);
        off();
        resolve(ev.goal);
      }
    });
  });
}

function answerLine(goal: GoalView): string {
  return goal.answer === undefined
    ? ''
    : `\n${answerText(goal.answer)
        .rows.map((r) => sanitize(r))
        .join('\n')}`;
}

export function goalCommand(socketPath: string, text: string, yes: boolean, io: Io, confirm = false): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    await client.call('events/subscribe', {});
    const goal = await client.call('goal/submit', { text });
    if (goal.state === 'not_understood') {
      if (io.json) io.out(JSON.stringify(goal));
      else io.err(formatGoal(goal));
      return 1;
    }
    return reviewOrRun(client, goal, yes, io, confirm);
  });
}

/** Prints a plan and stops (or, with --yes, approves it), then waits for the goal and prints how it ended. */
export async function reviewOrRun(
  client: AiosClient,
  planned: GoalView,
  yes: boolean,
  io: Io,
  confirm: boolean,
  hint = 'Approve it in the TUI (aios shell), or run again with --yes.',
): Promise<number> {
  let goal = planned;
  if (goal.state === 'awaiting_approval' && goal.plan !== null) {
    if (!yes) {
      if (io.json) io.out(JSON.stringify(goal));
      else
        io.out(
          `${formatGoal(goal)}\n\n${hint}\nFrom a script: aios goal approve ${goal.id.slice(-8)} --hash ${goal.plan.hash.slice(0, 16)}`,
        );
      return 0;
    }
    if (!io.json) io.out(formatGoal(goal));
    goal = await client.call('plan/decide', {
      planId: goal.plan.id,
      planHash: goal.plan.hash,
      decision: 'approve',
      ...(confirm ? { confirm } : {}),
    });
  } else if (!io.json) {
    io.out(formatGoal(goal));
  }
  const ended = TERMINAL.has(goal.state) ? goal : await waitForGoal(client, goal.id, io);
  const final = ended.state === 'succeeded' ? await withAnswer(client, ended) : ended;
  if (io.json) io.out(JSON.stringify(final));
  else io.out(`\n${final.state}${final.message === null ? '' : `: ${sanitize(final.message)}`}${answerLine(final)}`);
  return final.state === 'succeeded' ? 0 : 1;
}

/** A new plan for a failed or interrupted goal, with the failure as context; reviewed (or --yes approved) like any plan. */
export function goalReviseCommand(
  socketPath: string,
  typedId: string,
  yes: boolean,
  io: Io,
  confirm = false,
): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    const goalId = await resolveGoalId(client, typedId);
    await client.call('events/subscribe', {});
    return reviewOrRun(
      client,
      await client.call('goal/revise', { goalId }),
      yes,
      io,
      confirm,
      'Approve it in the TUI (aios shell): the approval of the failed plan does not carry over.',
    );
  });
}

export function statusCommand(socketPath: string, io: Io): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    const s = await client.call('status/get', {});
    if (io.json) {
      io.out(JSON.stringify(s));
    } else {
      const goals =
        Object.entries(s.goals)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ') || 'none';
      io.out(
        [
          `aiosd ${s.version} — ${s.health}${s.problems.length > 0 ? ` (${s.problems.join('; ')})` : ''}`,
          `node ${s.node}, ${s.mode} mode, pid ${s.pid}, up ${Math.round(s.uptimeMs / 1000)} s, ${s.clients} client(s)`,
          `you: ${s.user.name} (uid ${s.user.uid}, ${s.user.role})`,
          `planners: ${s.planners.join(' → ')}`,
          `goals: ${goals}`,
          ...(s.patching === undefined ? [] : [patchLine(s.patching)]),
          `state: ${s.stateDir}`,
          `socket: ${s.socket}`,
          ...(s.updateNotice === undefined ? [] : [`! ${sanitize(s.updateNotice, { singleLine: true })}`]),
        ].join('\n'),
      );
    }
    return 0;
  });
}

export function snapshotsCommand(socketPath: string, io: Io): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    const { snapshots } = await client.call('snapshot/list', { limit: 100 });
    if (io.json) io.out(JSON.stringify({ snapshots }));
    else io.out(snapshots.length === 0 ? 'no snapshots yet' : snapshots.map(formatSnapshot).join('\n'));
    return 0;
  });
}

/** What a restore would do, one path a line (the first 200 of each kind), as its review prints it. */
function restoreReviewText(r: { restore: string[]; remove: string[]; create: string[]; problems: string[] }): string {
  const LIMIT = 200;
  const block = (title: string, paths: string[]): string[] =>
    paths.length === 0
      ? []
      : [
          `${title} (${paths.length}):`,
          ...paths.slice(0, LIMIT).map((p) => `    ${sanitize(p, { singleLine: true })}`),
          ...(paths.length > LIMIT ? [`    … and ${paths.length - LIMIT} more`] : []),
        ];
  const lines = [
    ...block('write back', r.restore),
    ...block('remove (not in the snapshot)', r.remove),
    ...block('make again', r.create),
    ...r.problems.map((p) => `problem: ${sanitize(p, { singleLine: true })}`),
  ];
  return lines.length === 0 ? 'nothing to change: every path is as the snapshot recorded it' : lines.join('\n');
}

/** `aios restore <id> [path]`: the whole snapshot, or what it recorded at or under one path; says what it would change first. */
export function restoreCommand(
  socketPath: string,
  id: string,
  path: string | undefined,
  yes: boolean,
  io: Io,
  interactive: boolean,
): Promise<number> {
  const scope = path === undefined ? {} : { path: resolve(path) };
  const what = `restoring ${id}${scope.path === undefined ? '' : ` at ${sanitize(scope.path, { singleLine: true })}`}`;
  return withClient(socketPath, io, async (client) => {
    if (!yes) {
      // Unknown snapshot, or nothing recorded under the path: the daemon's error says so.
      const review = restoreReviewText(await client.call('snapshot/preview', { snapshotId: id, ...scope }));
      if (!interactive) {
        io.err(`aios: ${what} would:\n${review}\nrun again with --yes to confirm`);
        return 2;
      }
      const { snapshots } = await client.call('snapshot/list', { limit: 1000 });
      const snap = snapshots.find((s) => s.id === id);
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      const answer = await rl.question(
        `${snap === undefined ? id : formatSnapshot(snap)}\n${review}\nRestore to the state of ${snap?.createdAt ?? 'the snapshot'}? [y/N] `,
      );
      rl.close();
      if (!/^y(es)?$/i.test(answer.trim())) {
        io.err('not restored');
        return 1;
      }
    }
    const r = await client.call('snapshot/restore', { snapshotId: id, ...scope });
    if (io.json) io.out(JSON.stringify(r));
    else
      io.out(
        `restored ${r.restored.length} path(s)${r.changed === undefined ? '' : `, ${r.changed.length} changed`}:\n    ${r.restored
          .slice(0, 200)
          .map((p) => sanitize(p, { singleLine: true }))
          .join('\n    ')}`,
      );
    // Packages or services that could not be brought back (an old version no longer downloadable…).
    for (const problem of r.problems ?? []) io.err(`aios: not restored: ${sanitize(problem, { singleLine: true })}`);
    return (r.problems ?? []).length === 0 ? 0 : 1;
  });
}

export function auditVerifyCommand(socketPath: string, archives: boolean, io: Io): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    const r = await client.call('audit/verify', archives ? { archives } : {});
    const signed =
      (r.checkpoints === undefined
        ? ''
        : `, ${r.checkpoints} signed checkpoint(s) through entry ${r.signedThrough ?? 0}`) +
      (r.sealedThrough === undefined
        ? ''
        : `; entries 1 to ${r.sealedThrough} archived under signed seals${archives ? '' : ' (--archives checks the files)'}`);
    if (io.json) io.out(JSON.stringify(r));
    else {
      // Acknowledged breaks first: "broken at N, acknowledged by X at T, intact since M".
      for (const a of r.acknowledged ?? [])
        io.out(
          `audit ledger broken at entry ${a.brokenAt} (${sanitize(a.reason, { singleLine: true })}), acknowledged by ${sanitize(a.by, { singleLine: true })} at ${a.at}, intact since entry ${a.intactSince}`,
        );
      for (const a of r.archives ?? [])
        io.out(
          a.ok
            ? `archive of entries ${a.from} to ${a.to}: intact (${a.file})`
            : `archive of entries ${a.from} to ${a.to}: BROKEN: ${sanitize(a.problem ?? '', { singleLine: true })} (${a.file})`,
        );
      io.out(
        r.firstBad === null
          ? `audit ledger verified: ${r.entries} entries, chain intact${signed}`
          : `audit ledger BROKEN at entry ${r.firstBad.seq}: ${r.firstBad.reason}`,
      );
    }
    return r.ok ? 0 : 1;
  });
}

export function auditAcknowledgeCommand(socketPath: string, note: string | undefined, io: Io): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    const a = await client.call('audit/acknowledge', note === undefined ? {} : { note });
    if (io.json) io.out(JSON.stringify(a));
    else
      io.out(
        `acknowledged: the audit ledger broken at entry ${a.brokenAt} (${sanitize(a.reason, { singleLine: true })}); checked and signed again from entry ${a.intactSince}, and changes are allowed again`,
      );
    return 0;
  });
}

export function memorySearchCommand(socketPath: string, query: string, io: Io): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    const { hits } = await client.call('memory/search', { query, limit: 20 });
    if (io.json) io.out(JSON.stringify({ hits }));
    else
      io.out(
        hits.length === 0
          ? 'no matches'
          : hits.map((h) => `${h.createdAt}  [${h.kind}] ${sanitize(h.snippet, { singleLine: true })}`).join('\n'),
      );
    return 0;
  });
}

/**
 * A rollback is a change and is reviewed: what it would restore, remove and put back is printed
 * first (rollback/preview), and it runs only with --yes or a "y" typed at a terminal.
 */
export function rollbackCommand(
  socketPath: string,
  typedId: string,
  io: Io,
  yes = false,
  interactive = false,
): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    const goalId = await resolveGoalId(client, typedId);
    if (!yes) {
      const preview = await client.call('rollback/preview', { goalId });
      const what = `rolling back goal ${goalId} ${sanitize(previewText(preview), { singleLine: true })}`;
      if (!interactive) {
        if (io.json)
          io.out(JSON.stringify({ preview, rolledBack: false, error: 'run again with --yes to roll it back' }));
        else
          io.err(`aios: ${what}
run again with --yes to roll it back`);
        return 2;
      }
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      const answer = await rl.question(`${what}
Roll it back? [y/N] `);
      rl.close();
      if (!/^y(es)?$/i.test(answer.trim())) {
        io.err('not rolled back');
        return 1;
      }
    }
    const g = await client.call('goal/rollback', { goalId });
    if (io.json) io.out(JSON.stringify(g));
    else io.out(formatGoal(g));
    return 0;
  });
}

/** The decision log of one goal: tier → plan → approvals → steps → results → outcome. */
export function goalShowCommand(socketPath: string, typedId: string, io: Io): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    const goalId = await resolveGoalId(client, typedId);
    const t = await client.call('goal/trace', { goalId });
    if (io.json) {
      io.out(JSON.stringify(t));
      return 0;
    }
    const lines = [formatGoal(t.goal), '', 'decision trace:'];
    for (const item of t.items) {
      const seq = item.seq === null ? '' : ` #${item.seq}`;
      lines.push(
        `  ${item.ts}  ${item.source}${seq}  ${item.kind}  ${sanitize(item.actor, { singleLine: true })}: ${sanitize(item.summary, { singleLine: true })}`,
      );
    }
    io.out(lines.join('\n'));
    return 0;
  });
}

/** `rerun`: steps whose outcome is unknown, approved again (with confirm) before the resume; they may already have run. */
export function goalResumeCommand(
  socketPath: string,
  typedId: string,
  io: Io,
  rerun: readonly string[] = [],
): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    const goalId = await resolveGoalId(client, typedId);
    await client.call('events/subscribe', {});
    if (rerun.length > 0) {
      const goal = await client.call('goal/get', { goalId });
      if (goal.plan === null) throw new Error(`goal ${goalId} has no plan`);
      if (!io.json)
        io.err(
          `running ${rerun.join(', ')} again, as asked: ${rerun.length === 1 ? 'it' : 'they'} may already have run (outcome unknown)`,
        );
      await client.call('plan/decide', {
        planId: goal.plan.id,
        planHash: goal.plan.hash,
        decision: 'approve',
        stepIds: [...rerun],
        confirm: true,
      });
    }
    const g = await client.call('goal/resume', { goalId });
    const final = TERMINAL.has(g.state) ? g : await waitForGoal(client, g.id, io);
    if (io.json) io.out(JSON.stringify(final));
    else io.out(formatGoal(final));
    return final.state === 'succeeded' ? 0 : 1;
  });
}

/**
 * Stops a goal in any state and waits for it to end: a running step's processes are ended
 * (afterStep: the running step finishes first), steps not started are skipped.
 */
export function goalCancelCommand(socketPath: string, typedId: string, io: Io, afterStep = false): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    const goalId = await resolveGoalId(client, typedId);
    await client.call('events/subscribe', {});
    const g = await client.call('goal/cancel', { goalId, ...(afterStep ? { afterStep } : {}) });
    const final =
      TERMINAL.has(g.state) && g.state !== 'interrupted'
        ? g
        : await waitForGoal(client, g.id, io, (s) => s !== 'interrupted');
    if (io.json) io.out(JSON.stringify(final));
    else io.out(formatGoal(final));
    // A failed goal whose diagnosis was stopped stays failed: the cancel still did what was asked.
    return 0;
  });
}

/** aios agents stop|start <agent>: queued steps cancelled, running ones stopped; --hold keeps it from new work. */
export function agentsStopCommand(
  socketPath: string,
  verb: 'stop' | 'start',
  agent: string,
  hold: boolean,
  io: Io,
): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    if (verb === 'start') {
      const r = await client.call('agents/start', { agent });
      if (io.json) io.out(JSON.stringify(r));
      else io.out(`agent ${r.agent} takes work again`);
      return 0;
    }
    const r = await client.call('agents/stop', { agent, ...(hold ? { hold } : {}) });
    if (io.json) {
      io.out(JSON.stringify(r));
      return 0;
    }
    const list = (ids: string[]): string => (ids.length === 0 ? 'none' : ids.join(', '));
    io.out(
      [
        `agent ${r.agent}: stopped ${list(r.stopped)}; cancelled before they started: ${list(r.cancelled)}`,
        r.held ? `it takes no new work until 'aios agents start ${r.agent}'` : 'it takes new work again',
      ].join('\n'),
    );
    return 0;
  });
}

export function agentsCommand(socketPath: string, io: Io): Promise<number> {
  return withClient(socketPath, io, async (client) => {
    const r = await client.call('agents/list', {});
    if (io.json) {
      io.out(JSON.stringify(r));
      return 0;
    }
    const rows = r.agents.map((a) => {
      const task = a.currentTasks.length > 0 ? a.currentTasks.join(', ') : '-';
      const err = a.lastError === null ? '' : `\n      last error: ${sanitize(a.lastError, { singleLine: true })}`;
      const jobs = (a.jobs ?? []).map(
        (j) =>
          `\n      job ${j.name}: ${j.schedule}; next ${j.next ?? 'never'}; last ${j.last === null ? 'not run yet' : `${j.last.at}: ${sanitize(j.last.summary, { singleLine: true })}`}`,
      );
      return `  ${a.name.padEnd(12)} ${a.state.padEnd(10)} done ${String(a.done).padStart(4)}  failed ${String(a.failed).padStart(3)}  restarts ${a.restarts}  queued ${a.queued}  heartbeat ${a.lastHeartbeat}\n      ${a.domain}; task: ${task}${err}${jobs.join('')}`;
    });
    const p = r.procedures;
    io.out(
      [
        `agents (${r.agents.length}):`,
        ...rows,
        `learned procedures: ${p.stored} stored, ${p.hits}/${p.lookups} lookups reused (${(p.hitRate * 100).toFixed(0)}%: ${p.ftsHits} by words, ${p.embeddingHits} by embedding)`,
      ].join('\n'),
    );
    return 0;
  });
}
