// The shell on a terminal that cannot move its cursor (TERM=dumb, an emacs buffer, a logging
// serial capture): plain lines in, plain lines out. The full shell's plan actions as typed
// commands (line-grammar.ts): approve, reject, skip, edit, cancel, revise, rollback, show,
// trace, with the same typed confirmation for high-risk and irreversible steps (the step's id
// or yes) and the same review before a rollback. Like the
// full-screen shell it never runs anything itself: every action is a call to aiosd.
import { analysisText, answerText } from '../rows/analysis-text.js';
import { createInterface } from 'node:readline';
import type { GoalView } from '../../protocol/model.js';
import type { ModelRecommendation } from '../../protocol/model-pull.js';
import { transferLine } from '../../text/progress-bar.js';
import { firstRunText } from '../rows/first-run.js';
import { sanitize } from '../../text/sanitize.js';
import type { Connect, ShellClient } from '../commands/client-port.js';
import { conflictGoal } from '../commands/command-context.js';
import { within } from '../../async/within.js';
import { messageOf, noAnswerIn, refusalOf, SETUP_DEADLINE_MS } from '../commands/connection.js';
import { BANNER, formatGoalList, formatPlan, formatTrace, HELP, shortId, stateWords } from './line-format.js';
import { LineGoals } from './line-goals.js';
import { parseLine, type Decision, type LineCommand } from './line-grammar.js';
import { previewText } from '../commands/brake-commands.js';
import { confirmsApproval, needsConfirm, VIEWER_REFUSAL } from '../commands/plan-commands.js';

export interface LineModeOptions {
  connect: Connect;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  retryMs?: number;
  /** How long connecting, the subscription and the goal list may take before it says so and retries. */
  setupDeadlineMs?: number;
  /** Where Ctrl-C arrives as SIGINT (the process, on a real terminal): it cancels planning instead of leaving. */
  interrupts?: NodeJS.EventEmitter;
}

const one = (text: string): string => sanitize(text, { singleLine: true });
const APPROVE_HINT = "approve with 'approve', reject with 'reject' ('help' lists every command)";

export async function runLineMode(opts: LineModeOptions): Promise<number> {
  // Step output need not end its lines: what is said next starts on a line of its own.
  let atLineStart = true;
  const write = (text: string): void => {
    if (text === '') return;
    opts.output.write(text);
    atLineStart = text.endsWith('\n');
  };
  const say = (text: string): void => {
    write(`${atLineStart ? '' : '\n'}${text}\n`);
  };
  let client: ShellClient | null = null;
  let connectedOnce = false;
  let outageSaid = false;
  const goals = new LineGoals();
  const queued: string[] = [];
  /** A question asked: the next line is its answer. */
  let pendingConfirm: ((answer: string) => void) | null = null;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const sayState = (g: GoalView): void => {
    if (goals.newState(g))
      say(
        `goal ${shortId(g.id)} is now ${stateWords(g.state)}${g.message === null || g.message === '' ? '' : `: ${sanitize(g.message)}`}`,
      );
    // A diagnosis comes after the failure, as an update that leaves the state as it was.
    for (const { stepId, analysis } of goals.newAnalyses(g))
      say(
        analysisText(analysis)
          .rows.map(
            (r, i) => `${i === 0 ? `goal ${shortId(g.id)} ${stepId} ` : '  '}${sanitize(r, { singleLine: true })}`,
          )
          .join('\n'),
      );
    // So does a question's answer, after its steps succeeded.
    const answer = goals.newAnswer(g);
    if (answer !== null)
      say(
        answerText(answer)
          .rows.map((r) => `goal ${shortId(g.id)} ${sanitize(r, { singleLine: true })}`)
          .join('\n'),
      );
  };
  const show = (reply: GoalView): void => {
    const g = goals.learn(reply);
    goals.showing(g);
    say(formatPlan(g));
    if (g.state === 'awaiting_approval' && g.plan !== null) say(APPROVE_HINT);
  };
  const fail = (what: string, error: unknown): void => {
    const g = conflictGoal(error);
    const by = g?.plan?.steps.find((s) => s.approvedBy !== null)?.approvedBy ?? null;
    if (g !== null) goals.learn(g);
    say(`! ${what}: ${sanitize(messageOf(error))}${by === null ? '' : ` (decided by ${one(by)})`}`);
  };
  /** The client for an action that changes something, or null after saying why not. */
  const acting = (refusal: string): ShellClient | null => {
    if (client === null) {
      say('! not connected to aiosd (reconnecting): try again when it is back');
      return null;
    }
    if (client.initialized?.user.role === 'viewer') {
      say(`! ${refusal}`);
      return null;
    }
    return client;
  };
  const submit = (c: ShellClient, text: string): void => {
    let adopted: string | null = null;
    const slow = setTimeout(() => say(`planning "${one(text)}"... type 'cancel' (or Ctrl-C) to stop it`), 400);
    // Adopted from the goal.updated that announces it, before the answer comes back.
    const off = c.onEvent((ev) => {
      if (
        adopted === null &&
        ev.type === 'goal.updated' &&
        ev.goal.state === 'planning' &&
        ev.goal.text === text &&
        !goals.followed.has(ev.goal.id)
      ) {
        adopted = ev.goal.id;
        goals.followed.add(adopted);
        goals.quiet.add(adopted);
      }
    });
    c.call('goal/submit', { text })
      .finally(() => {
        clearTimeout(slow);
        off();
        if (adopted !== null) goals.quiet.delete(adopted);
      })
      .then(show, (e: unknown) => fail('goal not submitted', e))
      .catch(() => undefined);
  };

  // The first-run offer: shown once, at the first connection, when only the rules can plan.
  let recommendation: ModelRecommendation | null = null;
  const offerFirstRun = (c: ShellClient): void => {
    c.call('models/recommend', {})
      .then((r) => {
        recommendation = r;
        if (r.plannerConfigured) return;
        for (const row of firstRunText(
          { recommendation: r, pull: null },
          c.initialized?.user.role ?? 'viewer',
          "typing 'pull'",
        ))
          say(row);
      })
      .catch(() => undefined);
  };
  /** `pull`: the recommended operational model, through aiosd (admins only); progress as lines. */
  const pullRecommended = (): void => {
    const c = acting('your role is viewer: ask an admin to set up a model');
    if (c === null) return;
    if (c.initialized?.user.role !== 'admin') return say('! only an admin can pull a model: ask one to set it up');
    const model = recommendation?.operational ?? null;
    if (model === null) return say('! no local model in the table fits this node (see: aios models recommend)');
    say(`pulling ${one(model.name)} (${one(model.uri)}) as the operational model...`);
    let shownTenth = -1;
    const off = c.onEvent((ev) => {
      if (ev.type !== 'model.pull') return;
      const tenth = ev.totalBytes > 0 ? Math.floor((ev.doneBytes / ev.totalBytes) * 10) : 0;
      if (ev.phase === 'downloading' && tenth === shownTenth) return;
      shownTenth = ev.phase === 'downloading' ? tenth : -1;
      say(`  ${ev.phase === 'downloading' ? 'pulling' : ev.phase} ${transferLine(ev, 20)}`);
    });
    c.call('models/pull', { uri: model.uri, tier: 'operational' })
      .finally(off)
      .then(
        (r) => say(`pulled ${one(r.fileName)}: ${one(r.reload?.message ?? 'configured')}; goals now go to it first`),
        (e: unknown) => say(`! the pull failed: ${sanitize(messageOf(e))}`),
      )
      .catch(() => undefined);
  };

  const decide = (decision: Decision, stepId: string | undefined): void => {
    const shown = goals.shown();
    const plan = shown?.plan ?? null;
    if (shown === null || plan === null) return say('no plan shown: type a goal first');
    if (acting(VIEWER_REFUSAL) === null) return;
    if (shown.state !== 'awaiting_approval')
      return say(`nothing to decide: goal ${shortId(shown.id)} is ${stateWords(shown.state)}`);
    const targets = plan.steps.filter((s) => s.state === 'pending' && (stepId === undefined || s.id === stepId));
    if (targets.length === 0)
      return say(stepId === undefined ? 'nothing pending' : `no pending step ${stepId} in this plan`);
    const send = (confirmed: boolean): void => {
      const c = acting(VIEWER_REFUSAL);
      if (c === null) return;
      goals.followed.add(shown.id);
      c.call('plan/decide', {
        planId: plan.id,
        planHash: plan.hash,
        decision,
        ...(stepId === undefined ? {} : { stepIds: [stepId] }),
        ...(confirmed ? { confirm: true } : {}),
      })
        .then(
          (g) => {
            say(
              `${decision === 'approve' ? 'approved' : decision === 'skip' ? 'skipped' : 'rejected'}${stepId === undefined ? '' : ` ${stepId}`}`,
            );
            sayState(goals.learn(g));
          },
          (e: unknown) => fail(`${decision} failed`, e),
        )
        .catch(() => undefined);
    };
    const risky = decision === 'approve' ? targets.filter(needsConfirm) : [];
    if (risky.length === 0) return send(false);
    const ids = risky.map((s) => s.id);
    pendingConfirm = (answer) =>
      confirmsApproval(answer, ids)
        ? send(true)
        : say(`cancelled: nothing was approved (it takes ${ids.join(' ')} or yes)`);
    say(
      `${risky.map((s) => `${s.id} ${s.tool}`).join(', ')} ${risky.length === 1 ? 'is' : 'are'} high risk or NOT reversible. Type ${ids.join(' ')} (the step's id) or yes to approve; anything else cancels.`,
    );
  };

  const edit = (stepId: string, json: string): void => {
    const shown = goals.shown();
    const plan = shown?.plan ?? null;
    if (shown === null || plan === null) return say('no plan shown: type a goal first');
    let args: unknown;
    try {
      args = JSON.parse(json);
    } catch (error) {
      return say(`! not valid JSON (${messageOf(error)}): nothing was changed`);
    }
    if (args === null || typeof args !== 'object' || Array.isArray(args))
      return say('! the arguments must be a JSON object, like {"path": "/tmp/x"}: nothing was changed');
    const c = acting(VIEWER_REFUSAL);
    if (c === null) return;
    c.call('plan/edit', { planId: plan.id, planHash: plan.hash, stepId, args: args as Record<string, unknown> })
      .then(
        (g) => {
          show(g);
          say(`new plan, hash ${g.plan?.hash.slice(0, 12) ?? '?'}: review it and approve again`);
        },
        (e: unknown) => fail('edit refused', e),
      )
      .catch(() => undefined);
  };

  /** revise, rollback, cancel: aiosd's answer shows the goal, so its events stay quiet meanwhile. */
  const actOn = (
    target: string,
    what: string,
    starting: string | null,
    call: (c: ShellClient) => Promise<GoalView>,
    done: (g: GoalView) => void,
  ): void => {
    const c = acting(`your role is viewer: you cannot ${what} goals`);
    if (c === null) return;
    if (starting !== null) say(starting);
    goals.followed.add(target);
    goals.quiet.add(target);
    call(c)
      .finally(() => goals.quiet.delete(target))
      .then(
        (g) => {
          const now = goals.learn(g);
          goals.newState(now);
          done(now);
        },
        (e: unknown) => fail(`${what} failed`, e),
      )
      .catch(() => undefined);
  };

  const revise = (goalId: string | undefined): void => {
    const target = goalId ?? goals.lastFailedShown()?.id ?? null;
    if (target === null) return say("no failed goal shown: 'revise <goal>' ('goals' lists them with their ids)");
    const starting = `asking for a revised plan for goal ${shortId(target)}, with its failure as context... type 'cancel' to stop it`;
    actOn(
      target,
      'revise',
      starting,
      (c) => c.call('goal/revise', { goalId: target }),
      (g) => {
        show(g);
        if (g.state === 'awaiting_approval')
          say('this is a new plan: the approval of the failed one does not carry over');
      },
    );
  };

  const rollback = (goalId: string | undefined): void => {
    const target = goalId ?? goals.toRollBack()?.id ?? null;
    if (target === null) return say('no goal has run yet: nothing to roll back');
    const c = acting('your role is viewer: you cannot roll back goals');
    if (c === null) return;
    // Said before it is asked: what the rollback would restore and remove, as aiosd sees it now.
    c.call('rollback/preview', { goalId: target })
      .then(
        (preview) => {
          say(`rolling back goal ${shortId(target)}: ${sanitize(previewText(preview))}.`);
          say('Type yes to roll back; anything else cancels.');
          pendingConfirm = (answer) => {
            if (answer.trim().toLowerCase() !== 'yes') return say('cancelled: nothing was rolled back');
            actOn(
              target,
              'roll back',
              `rolling back goal ${shortId(target)}...`,
              (cl) => cl.call('goal/rollback', { goalId: target }),
              (g) => {
                goals.shownId = g.id;
                say(`rolled back goal ${shortId(g.id)}: ${sanitize(g.message ?? stateWords(g.state))}`);
              },
            );
          };
        },
        (e: unknown) => fail('cannot preview the rollback', e),
      )
      .catch(() => undefined);
  };

  const cancel = (goalId: string | undefined): void => {
    const target = goalId ?? goals.stoppable()?.id ?? null;
    if (target === null) return say('no goal is being planned, awaits approval or runs: nothing to cancel');
    actOn(
      target,
      'cancel',
      null,
      (c) => c.call('goal/cancel', { goalId: target }),
      (g) => {
        const how = g.plan === null ? '(nothing ran)' : `(${sanitize(g.message ?? stateWords(g.state))})`;
        say(
          g.state === 'cancelled'
            ? `cancelled goal ${shortId(g.id)}: ${one(g.text)} ${how}`
            : `goal ${shortId(g.id)} is ${stateWords(g.state)}: ${one(g.text)} ${how}`,
        );
      },
    );
  };

  /** show and trace: a goal this session knows, or asks aiosd about one it does not. */
  const lookAt = (kind: 'show' | 'trace', goalId: string | undefined): void => {
    const id = goalId ?? goals.shownId;
    if (id === null) return say(`no goal shown yet: '${kind} <goal>' ('goals' lists them with their ids)`);
    const known = goals.get(id);
    if (kind === 'show' && known !== null) return show(known);
    if (client === null) return say('! not connected to aiosd (reconnecting): try again when it is back');
    if (kind === 'show') {
      client
        .call('goal/get', { goalId: id })
        .then(show, (e: unknown) => fail('show failed', e))
        .catch(() => undefined);
      return;
    }
    client
      .call('goal/trace', { goalId: id })
      .then(
        (t) => say(formatTrace(goals.learn(t.goal), t.items)),
        (e: unknown) => fail('trace failed', e),
      )
      .catch(() => undefined);
  };

  const run = (command: LineCommand, finish: (code: number) => void): void => {
    switch (command.kind) {
      case 'goal':
        if (command.note !== undefined) say(`(${one(command.note)})`);
        if (client === null) {
          queued.push(command.text);
          return say(
            `${connectedOnce ? 'aiosd is unreachable' : 'not connected to aiosd yet'}: queued (${queued.length}); it is sent when aiosd is there`,
          );
        }
        return submit(client, command.text);
      case 'usage':
        return say(`! ${one(command.message)}`);
      case 'help':
        return say(HELP);
      case 'quit':
        return finish(0);
      case 'goals':
        return say(formatGoalList(goals.recent(20)));
      case 'pull':
        return pullRecommended();
      case 'decide':
        return decide(command.decision, command.stepId);
      case 'edit':
        return edit(command.stepId, command.json);
      case 'revise':
        return revise(command.goalId);
      case 'rollback':
        return rollback(command.goalId);
      case 'cancel':
        return cancel(command.goalId);
      case 'show':
      case 'trace':
        return lookAt(command.kind, command.goalId);
    }
  };

  const dial = (): void => {
    if (stopped) return;
    const retry = (why: string): void => {
      if (!outageSaid) say(`! aiosd unreachable: ${one(why)}; retrying (goals typed meanwhile are queued)`);
      outageSaid = true;
      timer = setTimeout(dial, opts.retryMs ?? 2000);
    };
    // As in the full shell: a daemon that accepts but never answers is said and retried.
    const deadlineMs = opts.setupDeadlineMs ?? SETUP_DEADLINE_MS;
    within(opts.connect(), deadlineMs, noAnswerIn(deadlineMs), (late) => late.close())
      .then(
        async (c) => {
          c.onEvent((ev) => {
            if (ev.type === 'goal.updated') {
              const g = goals.learn(ev.goal);
              if (goals.followed.has(g.id) && !goals.quiet.has(g.id)) sayState(g);
            } else if (ev.type === 'step.output' && ev.goalId === goals.shownId) {
              write(sanitize(ev.chunk));
            }
          });
          c.onClose(() => {
            if (client !== c) return;
            client = null;
            if (stopped) return;
            say('! aiosd went away (restarting?): reconnecting; goals typed meanwhile are queued');
            outageSaid = true;
            timer = setTimeout(dial, opts.retryMs ?? 2000);
          });
          try {
            const loaded = within(
              (async () => {
                await c.call('events/subscribe', {});
                return (await c.call('goal/list', { limit: 50 })).goals;
              })(),
              deadlineMs,
              noAnswerIn(deadlineMs),
              () => undefined,
            );
            for (const g of await loaded) goals.learn(g);
          } catch (error) {
            c.close();
            return retry(messageOf(error));
          }
          if (stopped) return c.close();
          client = c;
          const who = `${one(c.initialized?.user.name ?? '?')} (${one(c.initialized?.user.role ?? '?')}) on ${one(c.initialized?.node ?? '?')}`;
          say(connectedOnce ? `aiosd is back: reconnected as ${who}` : `connected to aiosd as ${who}`);
          const firstConnect = !connectedOnce;
          connectedOnce = true;
          outageSaid = false;
          // Where this session was: how the goals it follows stand now (a restart interrupts what ran).
          for (const id of goals.followed) {
            const g = goals.get(id);
            if (g !== null) sayState(g);
          }
          for (const text of queued.splice(0)) submit(c, text);
          if (firstConnect) offerFirstRun(c);
        },
        (e: unknown) => {
          // No role, no fallback shell: said once, and the session ends.
          const refused = refusalOf(e);
          if (refused === null) return retry(messageOf(e));
          say(`! aiOS refused this login: ${one(refused)}`);
          endSession(1);
        },
      )
      .catch(() => undefined);
  };

  let endSession: (code: number) => void = () => undefined;
  const rl = createInterface({ input: opts.input, terminal: false });
  say(BANNER);
  dial();
  return new Promise<number>((resolve) => {
    const onInterrupt = (): void => {
      const mine = goals.planning(true);
      if (mine !== null) return cancel(mine.id);
      say("(Ctrl-C: nothing of yours is being planned; type 'quit' to leave)");
    };
    opts.interrupts?.on('SIGINT', onInterrupt);
    const finish = (code: number): void => {
      if (stopped) return;
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      opts.interrupts?.off('SIGINT', onInterrupt);
      rl.close();
      client?.close();
      resolve(code);
    };
    endSession = finish;
    rl.on('close', () => finish(0));
    rl.on('line', (raw) => {
      if (pendingConfirm !== null) {
        const answer = pendingConfirm;
        pendingConfirm = null;
        return answer(raw);
      }
      const command = parseLine(raw, (typed) => goals.resolve(typed));
      if (command !== null) run(command, finish);
    });
  });
}
