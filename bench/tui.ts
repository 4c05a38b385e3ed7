// The TUI under a real pseudo-terminal at 80x24, against bash and a stock Ink app doing the
// same in the same run: bytes per keystroke echo, bytes a second while an agent streams 100
// lines a second into a pane, full-screen repaints, idle CPU, keystroke-to-echo latency while
// streaming, client memory with 100,000 lines of scrollback. aiOS talks to a stand-in daemon
// that streams exactly the same lines the baselines print.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import xtermHeadless from '@xterm/headless';
import * as pty from 'node-pty';
import type { GoalView } from '../src/protocol/model.js';
import { FakeDaemon, HELLO, statusResult } from '../test/shell/fake-daemon.js';
import { awaitingGoal } from '../test/shell/fixtures.js';
import { fmt, median, percentile, type Row } from './stats.js';

export interface Term {
  p: pty.IPty;
  bytes: number;
  text: string;
  chunks: { t: number; data: string }[];
  /** What a terminal shows: a cell-diff writer sends only the cells that changed, so the text
   *  a program means is on its screen, not in its byte stream. */
  screen: xtermHeadless.Terminal;
  /** Bytes not yet given to the screen: parsed only while waiting, never while timing. */
  unparsed: string[];
}

const streamLine = (i: number): string =>
  `line ${String(i).padStart(4, '0')} from the agent: compiling module number ${i % 97}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function open(file: string, args: string[], env: NodeJS.ProcessEnv, termName = 'xterm-256color'): Term {
  const p = pty.spawn(file, args, {
    name: termName,
    cols: 80,
    rows: 24,
    env: { ...env, TERM: termName } as Record<string, string>,
  });
  const term: Term = {
    p,
    bytes: 0,
    text: '',
    chunks: [],
    screen: new xtermHeadless.Terminal({ cols: 80, rows: 24, allowProposedApi: true }),
    unparsed: [],
  };
  p.onData((d) => {
    term.unparsed.push(d);
    term.bytes += Buffer.byteLength(d);
    term.text = (term.text + d).slice(-20_000);
    term.chunks.push({ t: performance.now(), data: d });
  });
  return term;
}

export async function screenText(term: Term): Promise<string> {
  const data = term.unparsed.splice(0).join('');
  if (data !== '') await new Promise<void>((r) => term.screen.write(data, r));
  const buf = term.screen.buffer.active;
  const rows: string[] = [];
  for (let y = 0; y < term.screen.rows; y++) rows.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '');
  return rows.join('\n');
}

export async function waitFor(term: Term, re: RegExp, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // eslint-disable-next-line no-control-regex -- looking at the text, not the escape sequences
  while (!re.test(term.text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '')) && !re.test(await screenText(term))) {
    if (Date.now() > deadline) throw new Error(`never saw ${String(re)}: ${JSON.stringify(term.text.slice(-400))}`);
    await sleep(10);
  }
}

/** Waits until the program has written nothing for `ms`. */
export async function quiet(term: Term, ms = 150): Promise<void> {
  let last = term.bytes;
  let since = performance.now();
  for (;;) {
    await sleep(10);
    if (term.bytes !== last) {
      last = term.bytes;
      since = performance.now();
    } else if (performance.now() - since >= ms) return;
  }
}

async function bytesPerKey(term: Term, keys: string): Promise<number[]> {
  const out: number[] = [];
  for (const ch of keys) {
    await quiet(term);
    const before = term.bytes;
    term.p.write(ch);
    await quiet(term);
    out.push(term.bytes - before);
  }
  return out;
}

export function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
}

async function idleCpuPercent(term: Term, ms = 5000): Promise<number> {
  await quiet(term, 300);
  const t0 = cpuTicks(term.p.pid);
  const start = performance.now();
  await sleep(ms);
  return ((cpuTicks(term.p.pid) - t0) / 100 / ((performance.now() - start) / 1000)) * 100;
}

export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

const CLEARS = ['\u001b[2J', '\u001b[H\u001b[J', '\u001bc', '\u001b[3J'];

interface StreamResult {
  bytesPerS: number;
  clears: number;
  latencies: number[];
}

/** Bytes a second while the stream runs, full-screen clears meanwhile, and the echo latency of keys typed during it. */
async function measureStream(term: Term, start: () => void, seconds: number, typeKeys: boolean): Promise<StreamResult> {
  await quiet(term, 300);
  const from = term.chunks.length;
  const t0 = performance.now();
  start();
  const latencies: number[] = [];
  const keys = 'QZXJKVWQZXJKVWQZXJKVWQZXJKVWQZXJ';
  let k = 0;
  while (performance.now() - t0 < seconds * 1000) {
    if (typeKeys && k < keys.length) {
      const ch = keys[k++] ?? 'Q';
      const at = term.chunks.length;
      const sent = performance.now();
      term.p.write(ch);
      for (let i = 0; i < 100; i++) {
        const hit = term.chunks.slice(at).find((c) => c.data.includes(ch));
        if (hit !== undefined) {
          latencies.push(hit.t - sent);
          break;
        }
        await sleep(1);
      }
      await sleep(80);
    } else {
      await sleep(50);
    }
  }
  const window = term.chunks.slice(from).filter((c) => c.t - t0 <= seconds * 1000);
  const bytes = window.reduce((n, c) => n + Buffer.byteLength(c.data), 0);
  const all = window.map((c) => c.data).join('');
  return { bytesPerS: bytes / seconds, clears: CLEARS.reduce((n, c) => n + all.split(c).length - 1, 0), latencies };
}

function runningGoal(): GoalView {
  const g = awaitingGoal('gbench');
  return {
    ...g,
    state: 'running',
    plan:
      g.plan === null
        ? null
        : { ...g.plan, steps: g.plan.steps.map((s, i) => ({ ...s, state: i === 0 ? 'running' : 'approved' })) },
  };
}

export async function benchTui(
  root: string,
  env: NodeJS.ProcessEnv,
  rows: Row[],
  results: Record<string, unknown>,
): Promise<void> {
  const daemon = new FakeDaemon({
    initialize: () => HELLO,
    'events/subscribe': () => ({ ok: true }),
    'goal/list': () => ({ goals: [runningGoal()] }),
    'status/get': () => statusResult(),
  });
  await daemon.listen();
  const shellArgs = [join(root, 'bin', 'aios-shell.js')];
  // The key guard off: these figures are about drawing, and the keys below switch views fast.
  const shellEnv = {
    ...env,
    AIOS_SOCKET: daemon.socketPath,
    AIOS_HISTORY_FILE: '',
    AIOS_GUARD_MS: '0',
    AIOS_BURST_MS: '0',
  };
  const inkStream = join(root, 'bench', '.build', 'ink-stream.js');
  const stream =
    (seconds: number): (() => void) =>
    () => {
      daemon.emit({ type: 'step.started', goalId: 'gbench', stepId: 's1', agent: 'system', tool: 'fs.write' });
      let i = 0;
      const timer = setInterval(() => {
        i++;
        daemon.emit({ type: 'step.output', goalId: 'gbench', stepId: 's1', chunk: `${streamLine(i)}\n` });
        if (i >= seconds * 100) clearInterval(timer);
      }, 10);
    };
  const keys = 'restartnginxnow';
  try {
    // Bytes per keystroke echo.
    const bash = open('bash', ['--norc', '--noprofile', '-i'], { ...env, PS1: '$ ' });
    await waitFor(bash, /\$ $/);
    const bashKeys = await bytesPerKey(bash, keys);
    const ink = open(process.execPath, [inkStream], env);
    await waitFor(ink, /hello from ink/);
    const inkKeys = await bytesPerKey(ink, keys);
    const aios = open(process.execPath, shellArgs, shellEnv);
    await waitFor(aios, /aiosd ok/);
    await sleep(500); // Ink has loaded
    const aiosKeys = await bytesPerKey(aios, keys);
    rows.push({
      name: 'TUI: bytes per keystroke echo (median, max)',
      value: `${median(aiosKeys)} (${Math.max(...aiosKeys)})`,
      baseline: `bash ${median(bashKeys)}; stock Ink ${median(inkKeys)}`,
      ratio: `${fmt(median(aiosKeys) / median(inkKeys), 2)}× Ink`,
      goal: '≤ 24',
    });

    // Idle CPU, connected, after the keys.
    const aiosIdle = await idleCpuPercent(aios);
    const bashIdle = await idleCpuPercent(bash);
    rows.push({
      name: 'TUI: idle CPU over 5 s (%)',
      value: fmt(aiosIdle, 2),
      baseline: `bash ${fmt(bashIdle, 2)}`,
      ratio: '—',
      goal: '< 1%',
    });

    // Streaming 100 lines/s for 5 s into a pane (aiOS: the agent panes view), keys typed meanwhile.
    // The pane view is shown while the input line keeps the keyboard: keys typed are echoed there.
    aios.p.write('\u0015\t2');
    await waitFor(aios, /agent/);
    aios.p.write('\t');
    const idleRss = rssMb(aios.p.pid);
    const aiosStream = await measureStream(aios, stream(5), 5, true);
    const bashStream = await measureStream(
      bash,
      () =>
        bash.p.write(
          '\u0015for i in $(seq 500); do echo "line $(printf %04d $i) from the agent: compiling module number $((i%97))"; sleep 0.01; done\r',
        ),
      5,
      false,
    );
    const inkRun = await measureStream(ink, () => ink.p.write('S'), 5, true);
    rows.push({
      name: 'TUI: bytes/s while an agent streams 100 lines/s into a pane (80x24)',
      value: fmt(aiosStream.bytesPerS, 0),
      baseline: `bash ${fmt(bashStream.bytesPerS, 0)}; stock Ink ${fmt(inkRun.bytesPerS, 0)}`,
      ratio: `${fmt(aiosStream.bytesPerS / inkRun.bytesPerS, 2)}× Ink`,
      goal: '≤ 5,760',
    });
    rows.push({
      name: 'TUI: full-screen clears while streaming and typing',
      value: String(aiosStream.clears),
      baseline: `stock Ink ${inkRun.clears}`,
      ratio: '—',
      goal: '0 (only on resize)',
    });
    rows.push({
      name: 'TUI: keystroke → echo while streaming, p50 / p95 (ms)',
      value: `${fmt(percentile(aiosStream.latencies, 50))} / ${fmt(percentile(aiosStream.latencies, 95))}`,
      baseline: `stock Ink ${fmt(percentile(inkRun.latencies, 50))} / ${fmt(percentile(inkRun.latencies, 95))}`,
      ratio: '—',
      goal: 'p95 ≤ 16 ms',
    });

    // The same stream with no byte budget (a fast local terminal, AIOS_MAX_BYTES_PER_S=0).
    const free = open(process.execPath, shellArgs, { ...shellEnv, AIOS_MAX_BYTES_PER_S: '0' });
    await waitFor(free, /aiosd ok/);
    await sleep(500);
    free.p.write('\t2');
    await waitFor(free, /agent/);
    const freeStream = await measureStream(free, stream(5), 5, false);
    rows.push({
      name: 'same, no byte budget (30 frames/s, scrolled with IL/DL)',
      value: fmt(freeStream.bytesPerS, 0),
      baseline: `bash ${fmt(bashStream.bytesPerS, 0)}`,
      ratio: `${fmt(freeStream.bytesPerS / bashStream.bytesPerS, 2)}× bash`,
      goal: '—',
    });
    free.p.kill();

    // 100,000 lines of scrollback: memory, and how fast the pane still answers a key.
    await quiet(aios, 300);
    for (let chunk = 0; chunk < 100; chunk++) {
      daemon.emit({
        type: 'step.output',
        goalId: 'gbench',
        stepId: 's1',
        chunk: Array.from({ length: 1000 }, (_, j) => `${streamLine(chunk * 1000 + j)}\n`).join(''),
      });
      await sleep(5);
    }
    await waitFor(aios, /99999 from the agent/, 60_000);
    await quiet(aios, 500);
    const pageKeys: number[] = [];
    for (let i = 0; i < 10; i++) {
      const at = aios.chunks.length;
      const sent = performance.now();
      aios.p.write(i % 2 === 0 ? 'g' : 'G'); // oldest line, newest line
      while (aios.chunks.length === at) await sleep(1);
      pageKeys.push((aios.chunks[at]?.t ?? sent) - sent);
      await quiet(aios, 100);
    }
    const rss = rssMb(aios.p.pid);
    rows.push({
      name: 'TUI: client RSS with 100,000 lines in a pane (MB)',
      value: fmt(rss),
      baseline: `stock Ink idle ${fmt(rssMb(ink.p.pid))}`,
      ratio: '—',
      goal: '≤ 80 MB',
    });
    rows.push({
      name: 'TUI: jump to oldest/newest of 100,000 lines, key → first byte (median ms)',
      value: fmt(median(pageKeys)),
      baseline: '—',
      ratio: '—',
      goal: '≤ 16 ms',
    });
    rows.push({
      name: 'TUI: client RSS connected, before streaming (MB)',
      value: fmt(idleRss),
      baseline: `stock Ink idle ${fmt(rssMb(ink.p.pid))}`,
      ratio: '—',
      goal: '≤ 80 MB',
    });
    results['tui'] = {
      idleRss,
      aiosKeys,
      bashKeys,
      inkKeys,
      aiosIdle,
      bashIdle,
      aiosStream,
      bashStream,
      inkRun,
      freeStream,
      rss,
      pageKeys,
    };
    for (const t of [aios, bash, ink]) t.p.kill();
  } finally {
    await daemon.dispose();
  }
  await (await import('./tui-guard.js')).benchGuard(root, env, rows, results);
}
