// `aios fleet goal "<text>" --nodes …`, `aios fleet goal show <id>`, `aios fleet rollback <id>`:
// a person's workstation (or any machine with their creds and key) driving a fleet goal.
import { createInterface } from 'node:readline/promises';
import type { NodeReport, SentPlan } from '../fleet/messages.js';
import type { PersonBus } from '../fleet/person-bus.js';
import type { NodeOutcome, PlanGroup, RolloutResult } from '../fleet/rollout.js';
import type { FleetGoalView } from '../protocol/fleet.js';
import { decidedText } from '../text/fleet-decision.js';
import { groupLetter } from '../text/group-letter.js';
import { sanitize } from '../text/sanitize.js';
import type { Io } from './commands.js';
import { personContext, type PersonOptions } from './fleet-commands.js';
import { CliError, EXIT } from './exit-codes.js';

export interface FleetGoalOptions extends PersonOptions {
  nodes?: string;
  yes?: boolean;
  confirm?: boolean;
  canary?: string;
  batch?: string;
  maxFailures?: string;
  timeout?: string;
  json?: boolean;
  planOnce?: boolean;
  console?: boolean;
  decideWithin?: string;
}

const one = (s: string): string => sanitize(s, { singleLine: true });

async function openBus(o: PersonOptions): Promise<PersonBus> {
  const ctx = personContext(o);
  if (ctx === null)
    throw new CliError(
      EXIT.usage,
      "a fleet goal needs the hub and a person's creds: --hub URL --creds FILE (or AIOS_FLEET_HUB and AIOS_FLEET_CREDS)",
    );
  const { openPersonBus } = await import('../fleet/person-bus.js');
  return openPersonBus(ctx);
}

function count(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new CliError(EXIT.usage, `${flag} must be a whole number, not "${text}"`);
  return n;
}

export function groupLines(groups: readonly PlanGroup[]): string[] {
  const lines = [groups.map((g, i) => `${g.nodes.length} node(s): plan ${groupLetter(i)}`).join(' · ')];
  for (const [i, g] of groups.entries()) {
    lines.push(`plan ${groupLetter(i)} (${g.hash.slice(0, 12)}) on ${g.nodes.join(', ')}:`);
    for (const s of g.steps)
      lines.push(
        `  ${s.id} ${s.tool} ${one(JSON.stringify(s.args))} (risk ${s.risk}${s.reversible ? '' : ', IRREVERSIBLE'}) — ${one(s.summary)}`,
      );
  }
  return lines;
}

/** --plan-once: the plan this node's aiosd drafts for the goal (its planner; nothing kept or run there). */
async function draftHere(text: string, sock: () => string, io: Io): Promise<SentPlan> {
  const { connectDaemon } = await import('./connect.js');
  const client = await connectDaemon(sock());
  try {
    const draft = await client.call('plan/draft', { text });
    if (draft.kind === 'not_understood') {
      const { noPlanOnce } = await import('../fleet/plan-once.js');
      throw new CliError(EXIT.failed, noPlanOnce(one(draft.reason)));
    }
    if (!io.json)
      io.err(
        [
          `planned once here (${draft.tier} tier), sent to every node to check and preview:`,
          ...draft.steps.map((s) => `  ${s.id} ${s.tool} ${one(JSON.stringify(s.args))}`),
        ].join('\n'),
      );
    return draft;
  } finally {
    client.close();
  }
}

/**
 * --console: this node's aiosd starts it (fleet/start); its plan groups wait for a person in the
 * TUI. --plan-once and --confirm mean what they mean without --console: aiosd drafts the plan with
 * the same planner plan/draft uses, and the same rollout carries --confirm in every approval.
 */
async function consoleGoal(
  text: string,
  o: FleetGoalOptions & { nodes: string },
  timeoutMs: number,
  io: Io,
  sock: () => string,
): Promise<number> {
  if (o.yes === true)
    throw new CliError(EXIT.usage, '--console leaves every decision to the TUI: drop --yes, or drop --console');
  const { durationMs } = await import('../models/duration.js');
  const decideWithinS =
    o.decideWithin === undefined ? undefined : Math.max(1, Math.round(durationMs(o.decideWithin) / 1000));
  const { withClient } = await import('./commands.js');
  return withClient(sock(), io, async (c) => {
    const view = await c.call('fleet/start', {
      text,
      nodes: o.nodes,
      canary: count(o.canary, '--canary', 1),
      batch: Math.max(1, count(o.batch, '--batch', 10)),
      maxFailures: count(o.maxFailures, '--max-failures', 0),
      timeoutS: Math.max(1, Math.round(timeoutMs / 1000)),
      ...(o.planOnce === true ? { planOnce: true } : {}),
      ...(o.confirm === true ? { confirm: true } : {}),
      ...(decideWithinS === undefined ? {} : { decideWithinS }),
    });
    io.out(
      io.json
        ? JSON.stringify(view)
        : `fleet goal ${view.fleetGoal} started from this node's console on ${view.nodes.length} node(s): review and approve its plan groups in the TUI's fleet view (8 / F10)`,
    );
    return 0;
  });
}

export async function fleetGoalCommand(text: string, o: FleetGoalOptions, io: Io, sock: () => string): Promise<number> {
  if (o.nodes === undefined)
    throw new CliError(EXIT.usage, 'give --nodes GLOB or --nodes label=value (e.g. --nodes "*")');
  const { durationMs } = await import('../models/duration.js');
  const timeoutMs = o.timeout === undefined ? 60_000 : durationMs(o.timeout);
  if (o.console === true) return consoleGoal(text, { ...o, nodes: o.nodes }, timeoutMs, io, sock);
  if (o.decideWithin !== undefined)
    throw new CliError(
      EXIT.usage,
      '--decide-within bounds how long a plan group waits in the TUI: give it with --console (here you answer at the prompt)',
    );
  const interactive = process.stdin.isTTY === true && o.yes !== true;
  if (o.yes !== true && !interactive)
    throw new CliError(
      EXIT.usage,
      'not a terminal: give --yes to approve every plan group, or run it where you can answer',
    );
  const plan = o.planOnce === true ? await draftHere(text, sock, io) : undefined;
  const bus = await openBus(o);
  try {
    const { selectNodes } = await import('../fleet/node-select.js');
    const { runRollout } = await import('../fleet/rollout.js');
    const { refusedNodes } = await import('../fleet/node-listing.js');
    const selected = selectNodes(await bus.nodes(), o.nodes);
    // Revoked nodes and nodes whose key changed get nothing: said here, and counted as failures.
    const refused = refusedNodes(selected);
    for (const r of refused) io.err(`REFUSED ${r.node}: ${r.why}`);
    const nodes = selected.filter((n) => !refused.some((r) => r.node === n.node));
    if (nodes.length === 0 && refused.length > 0) {
      if (io.json)
        io.out(JSON.stringify({ fleetGoal: null, groups: [], nodes: [], failures: 0, stopped: false, refused }));
      return EXIT.failed;
    }
    if (nodes.length === 0)
      throw new CliError(EXIT.failed, `no node matches --nodes ${o.nodes} (aios fleet nodes lists them)`);
    const result = await runRollout(bus, {
      text,
      nodes,
      canary: count(o.canary, '--canary', 1),
      batch: count(o.batch, '--batch', 10),
      maxFailures: count(o.maxFailures, '--max-failures', 0),
      timeoutMs,
      confirm: o.confirm === true,
      ...(plan === undefined ? {} : { plan }),
      decide: async (g) => {
        if (o.yes === true) return 'approve';
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        try {
          const a = await rl.question(`approve plan ${g.hash.slice(0, 12)} on ${g.nodes.length} node(s)? [y/N] `);
          return /^y(es)?$/i.test(a.trim()) ? 'approve' : 'reject';
        } finally {
          rl.close();
        }
      },
      onEvent: (e) => {
        if (io.json) return;
        if (e.type === 'planned') {
          io.err(
            e.groups.length === 0
              ? 'no plan waits for a person: each node runs, or refused, its plan under its own policy'
              : `plans: ${groupLines(e.groups).join('\n')}`,
          );
          if (e.unreachable.length > 0) io.err(`UNREACHABLE (no plan within the timeout): ${e.unreachable.join(', ')}`);
        } else if (e.type === 'wave') io.err(`${e.canary ? 'canary' : `batch ${e.wave}`}: ${e.nodes.join(', ')}`);
        else if (e.type === 'stopped') io.err(`STOPPED: ${e.failures} failure(s), more than --max-failures allows`);
      },
    });
    printResult({ ...result, refused }, io);
    return refused.length > 0 ||
      result.failures > 0 ||
      result.stopped ||
      result.nodes.some((n) => n.phase === 'unreachable')
      ? EXIT.failed
      : 0;
  } finally {
    await bus.close();
  }
}

/** The rollout's result, with the nodes refused before it started (revoked, or a key not the pinned one). */
export type GoalResult = RolloutResult & { refused: { node: string; why: string }[] };

export function printResult(r: GoalResult, io: Io): void {
  if (io.json) {
    io.out(JSON.stringify(r));
    return;
  }
  io.out(`fleet goal ${r.fleetGoal}: ${r.nodes.length} node(s), ${r.failures} failed${r.stopped ? ', STOPPED' : ''}`);
  for (const n of r.nodes) io.out(nodeLine(n));
}

function nodeLine(n: NodeOutcome): string {
  const state =
    n.phase === 'unreachable'
      ? 'UNREACHABLE'
      : n.phase === 'not started' || n.phase === 'expired'
        ? n.phase
        : (n.report?.state ?? '?');
  const msg = n.report?.message ?? '';
  return `  ${n.node.padEnd(20)} ${state.padEnd(18)}${n.canary ? ' (canary)' : ''} ${one(msg).slice(0, 200)}`;
}

/** Everything nodes said about a fleet goal, as the stream holds it: each node's newest report. */
async function latestReports(bus: PersonBus, fleetGoal: string, quietMs = 700): Promise<Map<string, NodeReport>> {
  const { NodeReport } = await import('../fleet/messages.js');
  const keys = new Map((await bus.nodes()).map((n) => [n.node, n.key]));
  const latest = new Map<string, NodeReport>();
  let last = Date.now();
  const stop = await bus.follow(fleetGoal, (e) => {
    const r = NodeReport.safeParse(e.body);
    if (keys.get(e.node) !== e.signer || !r.success) return;
    latest.set(e.node, r.data);
    last = Date.now();
  });
  while (Date.now() - last < quietMs) await new Promise((r) => setTimeout(r, 100));
  stop();
  return latest;
}

/**
 * A fleet goal this machine's console started (fleet/goals, admin there), as aiosd tracks it: its
 * groups' decisions (an expired one too, which no node's report says) and each node's phase. null:
 * no aiosd here, not an admin there, or not a goal started here.
 */
async function consoleView(id: string, sock: () => string): Promise<FleetGoalView | null> {
  try {
    const { connectDaemon } = await import('./connect.js');
    const client = await connectDaemon(sock());
    try {
      return (await client.call('fleet/goals', {})).started.find((g) => g.fleetGoal === id) ?? null;
    } finally {
      client.close();
    }
  } catch {
    return null;
  }
}

export async function fleetGoalShowCommand(id: string, o: PersonOptions, io: Io, sock: () => string): Promise<number> {
  const started = await consoleView(id, sock);
  if (started !== null) {
    if (io.json) io.out(JSON.stringify(started));
    else {
      io.out(
        `fleet goal ${id} (started at this console): ${started.state}${started.error === null ? '' : ` (${one(started.error)})`}`,
      );
      for (const [i, g] of started.groups.entries())
        io.out(
          `  plan ${groupLetter(i)} ${g.hash.slice(0, 12)} on ${g.nodes.length} node(s): ${decidedText(started, g)}`,
        );
      for (const n of started.nodes)
        io.out(
          `  ${n.node.padEnd(20)} ${(n.phase === 'expired' ? 'expired' : (n.state ?? n.phase)).padEnd(18)} ${one(n.message ?? '').slice(0, 200)}`,
        );
    }
    return 0;
  }
  const bus = await openBus(o);
  try {
    const latest = await latestReports(bus, id);
    if (latest.size === 0) throw new CliError(EXIT.noSuchGoal, `no node has reported on fleet goal ${id}`);
    if (io.json) io.out(JSON.stringify({ fleetGoal: id, nodes: Object.fromEntries(latest) }));
    else
      for (const [node, r] of latest)
        io.out(`  ${node.padEnd(20)} ${r.state.padEnd(18)} ${one(r.message ?? '').slice(0, 200)}`);
    return 0;
  } finally {
    await bus.close();
  }
}

/** Rolls back each node's goal, after saying which; each node judges the person's role itself. */
export async function fleetRollbackCommand(
  id: string,
  o: PersonOptions & { yes?: boolean; timeout?: string },
  io: Io,
): Promise<number> {
  const bus = await openBus(o);
  try {
    const latest = await latestReports(bus, id);
    const targets = [...latest].filter(
      ([, r]) => r.goalId !== null && ['succeeded', 'failed', 'cancelled'].includes(r.state),
    );
    if (targets.length === 0)
      throw new CliError(EXIT.failed, `fleet goal ${id} changed nothing that could be rolled back`);
    if (!io.json)
      for (const [node, r] of targets)
        io.err(
          `${node}: roll back goal ${r.goalId ?? ''} (${r.steps
            .filter((s) => s.state === 'succeeded')
            .map((s) => `${s.tool} ${one(JSON.stringify(s.args))}`)
            .join('; ')})`,
        );
    if (o.yes !== true)
      throw new CliError(EXIT.usage, 'review the list above, then run again with --yes to roll back on those nodes');
    const { durationMs } = await import('../models/duration.js');
    const deadline = Date.now() + (o.timeout === undefined ? 60_000 : durationMs(o.timeout));
    for (const [node] of targets) await bus.send(node, 'rollback', { fleetGoal: id });
    const done = new Map<string, NodeReport>();
    const { NodeReport } = await import('../fleet/messages.js');
    const stop = await bus.follow(id, (e) => {
      const r = NodeReport.safeParse(e.body);
      if (r.success && ['rolled_back', 'refused'].includes(r.data.state)) done.set(e.node, r.data);
    });
    while (done.size < targets.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    stop();
    const rows = targets.map(([node]) => ({
      node,
      state: done.get(node)?.state ?? 'UNREACHABLE',
      message: done.get(node)?.message ?? null,
    }));
    if (io.json) io.out(JSON.stringify({ fleetGoal: id, nodes: rows }));
    else
      for (const r of rows)
        io.out(`  ${r.node.padEnd(20)} ${r.state.padEnd(18)} ${one(r.message ?? '').slice(0, 200)}`);
    return rows.every((r) => r.state === 'rolled_back') ? 0 : EXIT.failed;
  } finally {
    await bus.close();
  }
}

export async function fleetAuditVerifyCommand(o: PersonOptions & { nodes?: string }, io: Io): Promise<number> {
  const bus = await openBus(o);
  try {
    const { selectNodes } = await import('../fleet/node-select.js');
    const { verifyNodeAudit } = await import('../fleet/audit-verify.js');
    const all = await bus.nodes();
    const nodes = o.nodes === undefined ? all : selectNodes(all, o.nodes);
    const { withPinCheck } = await import('../fleet/node-pins.js');
    const results = await Promise.all(nodes.map(async (n) => withPinCheck(await verifyNodeAudit(bus, n.node), n)));
    if (io.json) io.out(JSON.stringify({ ok: results.every((r) => r.ok), nodes: results }));
    else
      for (const r of results) {
        io.out(
          `${r.node.padEnd(20)} ${r.ok ? 'intact' : 'BROKEN'}  ${r.entries} entries, ${r.heads} signed heads published; node at #${r.nodeHead?.seq ?? '?'}`,
        );
        for (const p of r.problems) io.out(`  ${one(p)}`);
      }
    return results.every((r) => r.ok) ? 0 : EXIT.failed;
  } finally {
    await bus.close();
  }
}
