// The shell on a terminal that cannot move its cursor (TERM=dumb, an emacs buffer, a logging
// serial capture): plain lines in, plain lines out. Goals, plans, approval (with the same
// second confirmation for high-risk and irreversible steps), rollback; nothing else is needed
// to run the node. Like the full-screen shell it never runs anything itself.
import { createInterface } from 'node:readline';
import type { GoalView, PlanView } from '../protocol/model.js';
import { sanitize } from '../text/sanitize.js';
import type { Connect, ShellClient } from './client-port.js';
import { messageOf } from './connection.js';
import { needsConfirm } from './plan-commands.js';

export interface LineModeOptions {
  connect: Connect;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  retryMs?: number;
}

const HELP = [
  'Type a goal in plain words and press Enter; its plan is printed, and nothing runs until you approve.',
  'Commands: approve [step]  reject [step]  skip <step>  show  rollback  help  quit',
].join('\n');

export function formatPlan(goal: GoalView): string {
  const out = [`goal ${goal.id.slice(-8)} [${goal.state.replace(/_/g, ' ')}] ${goal.text}`];
  if (goal.message !== null && goal.message !== '') out.push(`  ${goal.message}`);
  const plan: PlanView | null = goal.plan;
  if (plan !== null) {
    out.push(`plan ${plan.id} hash ${plan.hash.slice(0, 12)}`);
    for (const s of plan.steps) {
      out.push(`  ${s.id} ${s.agent} ${s.tool}  risk ${s.risk}  ${s.reversible ? 'reversible' : 'NOT reversible'}  [${s.state}]${s.dependsOn.length > 0 ? `  after ${s.dependsOn.join(', ')}` : ''}`);
      out.push(`      args ${JSON.stringify(s.args)}`);
      out.push(`      ${s.preview.summary}`);
      if (s.preview.detail !== undefined) for (const l of s.preview.detail.split('\n').slice(0, 20)) out.push(`      ${l}`);
    }
  }
  return sanitize(out.join('\n'));
}

export async function runLineMode(opts: LineModeOptions): Promise<number> {
  const say = (text: string): void => {
    opts.output.write(`${text}\n`);
  };
  let client: ShellClient | null = null;
  let current: GoalView | null = null;
  const queued: string[] = [];
  let pendingConfirm: (() => void) | null = null;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const submit = (c: ShellClient, text: string): void => {
    c.call('goal/submit', { text }).then((g) => {
      current = g;
      say(formatPlan(g));
      if (g.state === 'awaiting_approval') say("approve with 'approve', reject with 'reject'");
    }, (e: unknown) => say(`! ${messageOf(e)}`)).catch(() => undefined);
  };

  const dial = (): void => {
    if (stopped) return;
    opts.connect().then(async (c) => {
      c.onEvent((ev) => {
        if (ev.type === 'goal.updated' && current !== null && ev.goal.id === current.id) {
          if (ev.goal.state !== current.state) say(`goal ${ev.goal.id.slice(-8)} is now ${ev.goal.state.replace(/_/g, ' ')}${ev.goal.message === null ? '' : `: ${sanitize(ev.goal.message)}`}`);
          current = ev.goal;
        } else if (ev.type === 'step.output' && current !== null && ev.goalId === current.id) {
          opts.output.write(sanitize(ev.chunk));
        }
      });
      c.onClose(() => {
        client = null;
        say('! aiosd went away; retrying (goals typed meanwhile are queued)');
        timer = setTimeout(dial, opts.retryMs ?? 2000);
      });
      await c.call('events/subscribe', {});
      client = c;
      say(`connected to aiosd as ${c.initialized?.user.name ?? '?'} (${c.initialized?.user.role ?? '?'}) on ${c.initialized?.node ?? '?'}`);
      for (const text of queued.splice(0)) submit(c, text);
    }, (e: unknown) => {
      say(`! aiosd unreachable: ${messageOf(e)}; retrying`);
      timer = setTimeout(dial, opts.retryMs ?? 2000);
    }).catch(() => undefined);
  };

  const decide = (decision: 'approve' | 'reject' | 'skip', stepId: string | undefined): void => {
    const c = client;
    const plan = current?.plan ?? null;
    if (c === null) return say('! not connected to aiosd');
    if (current === null || plan === null) return say('no plan to decide: type a goal first');
    const targets = plan.steps.filter((s) => s.state === 'pending' && (stepId === undefined || s.id === stepId));
    if (targets.length === 0) return say(stepId === undefined ? 'nothing pending' : `no pending step ${stepId}`);
    const send = (confirmed: boolean): void => {
      c.call('plan/decide', { planId: plan.id, planHash: plan.hash, decision, ...(stepId === undefined ? {} : { stepIds: [stepId] }), ...(confirmed ? { confirm: true } : {}) })
        .then((g) => { current = g; say(`${decision === 'approve' ? 'approved' : decision === 'skip' ? 'skipped' : 'rejected'}: goal is ${g.state.replace(/_/g, ' ')}`); }, (e: unknown) => say(`! ${decision} failed: ${messageOf(e)}`))
        .catch(() => undefined);
    };
    const risky = decision === 'approve' ? targets.filter(needsConfirm) : [];
    if (risky.length === 0) return send(false);
    pendingConfirm = () => send(true);
    say(`${risky.map((s) => `${s.id} ${s.tool}`).join(', ')} ${risky.length === 1 ? 'is' : 'are'} high risk or NOT reversible. Type YES to approve; anything else cancels.`);
  };

  const rl = createInterface({ input: opts.input, terminal: false });
  say(`aiOS line mode ${sanitize('(this terminal cannot move the cursor)')}.\n${HELP}`);
  dial();
  return new Promise<number>((resolve) => {
    const finish = (code: number): void => {
      if (stopped) return;
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      rl.close();
      client?.close();
      resolve(code);
    };
    rl.on('close', () => finish(0));
    rl.on('line', (raw) => {
      const text = raw.trim();
      if (pendingConfirm !== null) {
        const go = pendingConfirm;
        pendingConfirm = null;
        if (text === 'YES') go();
        else say('cancelled: nothing was approved');
        return;
      }
      const [word = '', arg] = text.split(/\s+/, 2);
      if (text === '') return;
      if (word === 'quit' || word === 'exit') return finish(0);
      if (word === 'help') return say(HELP);
      if (word === 'approve' || word === 'reject') return decide(word, arg);
      if (word === 'skip' && arg !== undefined) return decide('skip', arg);
      if (word === 'show') return say(current === null ? 'no goal yet' : formatPlan(current));
      if (word === 'rollback') {
        if (client === null || current === null) return say('! nothing to roll back here');
        client.call('goal/rollback', { goalId: current.id }).then((g) => { current = g; say(`rolled back: ${sanitize(g.message ?? '')}`); }, (e: unknown) => say(`! rollback failed: ${messageOf(e)}`)).catch(() => undefined);
        return;
      }
      if (client === null) {
        queued.push(text);
        return say(`aiosd is unreachable: queued (${queued.length}); it is sent when aiosd is back`);
      }
      submit(client, text);
    });
  });
}
