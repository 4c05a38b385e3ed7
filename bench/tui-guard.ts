// What the key guard costs a deliberate approval: the shell under a real pseudo-terminal, a plan
// awaiting approval shown well over guard_ms, and `a` pressed alone. Timed from the key to
// aiosd receiving plan/decide (the step starts there; the daemon's side is the same either way)
// and to the screen saying the goal runs, with the guard on its defaults and with it off.
import { join } from 'node:path';
import xtermHeadless from '@xterm/headless';
import * as pty from 'node-pty';
import type { GoalView } from '../src/protocol/model.js';
import { FakeDaemon, HELLO, statusResult } from '../test/shell/fake-daemon.js';
import { awaitingGoal } from '../test/shell/fixtures.js';
import { fmt, median, percentile, type Row } from './stats.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A plan with one ordinary step: `a` alone approves it (no typed confirmation). */
function plan(round: number, state: 'awaiting_approval' | 'running'): GoalView {
  const g = awaitingGoal('gguard');
  const steps = (g.plan?.steps ?? [])
    .filter((s) => s.id === 's1')
    .map((s) => ({ ...s, state: state === 'running' ? ('running' as const) : ('pending' as const) }));
  return {
    ...g,
    state,
    updatedAt: new Date(Date.UTC(2025, 0, 1, 0, 0, round, state === 'running' ? 500 : 0)).toISOString(),
    plan: g.plan === null ? null : { ...g.plan, steps },
  };
}

interface Approval {
  toDecide: number[];
  toScreen: number[];
}

async function approvals(
  root: string,
  env: NodeJS.ProcessEnv,
  guard: Record<string, string>,
  rounds: number,
): Promise<Approval> {
  let round = 0;
  let decidedAt = 0;
  const daemon = new FakeDaemon({
    initialize: () => HELLO,
    'events/subscribe': () => ({ ok: true }),
    'goal/list': () => ({ goals: [plan(0, 'awaiting_approval')] }),
    'status/get': () => statusResult(),
    'plan/decide': () => {
      decidedAt = performance.now();
      return plan(round, 'running');
    },
  });
  await daemon.listen();
  const term = new xtermHeadless.Terminal({ cols: 80, rows: 24, allowProposedApi: true });
  const p = pty.spawn(process.execPath, [join(root, 'bin', 'aios-shell.js')], {
    name: 'xterm-256color',
    cols: 80,
    rows: 24,
    env: { ...env, ...guard, TERM: 'xterm-256color', AIOS_SOCKET: daemon.socketPath, AIOS_HISTORY_FILE: '' } as Record<
      string,
      string
    >,
  });
  let text = '';
  p.onData((d) => {
    text = (text + d).slice(-8000);
    term.write(d);
  });
  const screen = (): string => {
    const buf = term.buffer.active;
    return Array.from(
      { length: term.rows },
      (_, y) => buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '',
    ).join('\n');
  };
  const until = async (re: RegExp): Promise<void> => {
    const deadline = Date.now() + 15_000;
    while (!re.test(screen())) {
      if (Date.now() > deadline) throw new Error(`never saw ${String(re)}:\n${screen()}`);
      await sleep(5);
    }
  };
  const out: Approval = { toDecide: [], toScreen: [] };
  try {
    await until(/aiosd ok/);
    await sleep(500);
    p.write('\t'); // the plan takes the keyboard
    for (round = 1; round <= rounds; round++) {
      daemon.emit({ type: 'goal.updated', goal: plan(round, 'awaiting_approval') });
      await until(/awaiting approval/);
      await sleep(1200); // well over guard_ms: a deliberate key
      decidedAt = 0;
      text = '';
      const sent = performance.now();
      p.write('a');
      // The screen's own words for the step now running; read from the bytes as they come.
      while (!/running/.test(text) && !/\[running\]/.test(screen())) {
        if (performance.now() - sent > 5000) throw new Error(`no running state after a: ${screen()}`);
        await sleep(1);
      }
      out.toScreen.push(performance.now() - sent);
      if (decidedAt > 0) out.toDecide.push(decidedAt - sent);
      await until(/\[running\]/);
    }
  } finally {
    p.kill();
    await daemon.dispose();
  }
  return out;
}

export async function benchGuard(
  root: string,
  env: NodeJS.ProcessEnv,
  rows: Row[],
  results: Record<string, unknown>,
): Promise<void> {
  const rounds = Number(process.env['BENCH_GUARD_ROUNDS'] ?? 10);
  const off = await approvals(root, env, { AIOS_GUARD_MS: '0', AIOS_BURST_MS: '0' }, rounds);
  const on = await approvals(root, env, {}, rounds);
  const added = median(on.toDecide) - median(off.toDecide);
  rows.push({
    name: 'TUI: deliberate approval, a → plan/decide at aiosd, guard armed (p50 / p95 ms)',
    value: `${fmt(percentile(on.toDecide, 50))} / ${fmt(percentile(on.toDecide, 95))}`,
    baseline: `unguarded ${fmt(percentile(off.toDecide, 50))} / ${fmt(percentile(off.toDecide, 95))}`,
    ratio: `+${fmt(added)} ms`,
    goal: '≤ burst_ms (250) + 50 ms added',
  });
  rows.push({
    name: 'TUI: same, a → the screen says running (p50 ms)',
    value: fmt(median(on.toScreen)),
    baseline: `unguarded ${fmt(median(off.toScreen))}`,
    ratio: `+${fmt(median(on.toScreen) - median(off.toScreen))} ms`,
    goal: '—',
  });
  results['guard'] = { rounds, off, on };
}
