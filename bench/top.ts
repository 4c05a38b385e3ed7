// `aios top` (the TUI's monitor view, drawn by its cell-diff writer) beside the same dashboard built
// with blessed-contrib (bench/fixtures/blessed-top.mjs: a full-screen program of its own, no Ink),
// both against the real aiosd of this run and its `metrics/get`, under a real pseudo-terminal at
// 80x24 for TERM=linux, vt100 and xterm-256color: bytes per refresh, idle CPU, RSS, time to the
// first frame with figures, and the glyphs each sends that the terminal cannot show.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, median, type Row } from './stats.js';
import { cpuTicks, open, rssMb, waitFor, type Term } from './tui.js';

export const TERMS = ['linux', 'vt100', 'xterm-256color'] as const;
type TermName = (typeof TERMS)[number];

const WARM_MS = 3000;
const WINDOW_MS = 10_000;
const STARTS = 3;
/** A refresh is a burst of output; bursts are at least this far apart (both refresh once a second). */
const BURST_GAP_MS = 250;
/** The first frame with figures in it: both write the CPU's core count once metrics arrive. */
const FIRST_FIGURES = /\d+ cores/;

// What the kernel's built-in console font shows beyond ASCII: CP437's 256 glyphs (the Linux
// console maps Unicode onto them; anything else is drawn as its replacement glyph).
const CP437 = new Set(
  [
    '☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼⌂',
    'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»',
    '░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀',
    'αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0',
  ].join(''),
);

/** The characters `text` sends that a terminal of this kind cannot show (distinct, in order seen). */
export function unshowable(text: string, term: TermName): string[] {
  const bad = new Set<string>();
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x80) continue;
    // A vt100 is a 7-bit terminal: its line drawing comes through its own character set (ESC ( 0).
    if (term === 'vt100' || (term === 'linux' && !CP437.has(ch))) bad.add(ch);
  }
  return [...bad];
}

interface Program {
  name: string;
  file: string;
  args: string[];
}

interface Figures {
  bytesPerRefresh: number;
  refreshes: number;
  cpuPct: number;
  rssMiB: number;
  firstFrameMs: number[];
  unshowable: string[];
}

/** The process and every descendant, so a program's helpers count in its memory. */
function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* gone meanwhile */
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i] as number) ?? []));
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function stop(term: Term): Promise<void> {
  const exited = new Promise<void>((r) => term.p.onExit(() => r()));
  term.p.kill('SIGKILL');
  await Promise.race([exited, sleep(2000)]);
}

async function firstFrameMs(p: Program, env: NodeJS.ProcessEnv, termName: TermName): Promise<number> {
  const t0 = performance.now();
  const term = open(p.file, p.args, env, termName);
  try {
    for (;;) {
      // the byte stream, not the parsed screen: when the frame left the program
      let text = '';
      for (const c of term.chunks) {
        // The text between the escape sequences; blessed moves the cursor right (CSI n C) over spaces.
        text += c.data
          // eslint-disable-next-line no-control-regex -- reading escape sequences
          .replace(/\u001b\[(\d*)C/g, (_m, n: string) => ' '.repeat(Number(n === '' ? 1 : n)))
          // eslint-disable-next-line no-control-regex -- reading escape sequences
          .replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
        if (FIRST_FIGURES.test(text)) return c.t - t0;
      }
      if (performance.now() - t0 > 30_000) throw new Error(`${p.name} under TERM=${termName} drew no figures in 30 s`);
      await sleep(10);
    }
  } finally {
    await stop(term);
  }
}

async function measure(p: Program, env: NodeJS.ProcessEnv, termName: TermName): Promise<Figures> {
  const firstFrame: number[] = [];
  for (let i = 0; i < STARTS; i++) firstFrame.push(await firstFrameMs(p, env, termName));
  const term = open(p.file, p.args, env, termName);
  try {
    await waitFor(term, FIRST_FIGURES, 30_000);
    await sleep(WARM_MS);
    const pids = processTree(term.p.pid);
    const ticks0 = pids.reduce((n, pid) => n + cpuTicks(pid), 0);
    const from = term.chunks.length;
    const t0 = performance.now();
    await sleep(WINDOW_MS);
    const seconds = (performance.now() - t0) / 1000;
    const cpuPct = ((pids.reduce((n, pid) => n + cpuTicks(pid), 0) - ticks0) / 100 / seconds) * 100;
    const rssMiB = pids.reduce((n, pid) => n + rssMb(pid), 0);
    const bursts: number[] = [];
    let last = -Infinity;
    for (const c of term.chunks.slice(from)) {
      if (c.t - last > BURST_GAP_MS) bursts.push(0);
      bursts[bursts.length - 1] = (bursts[bursts.length - 1] ?? 0) + Buffer.byteLength(c.data);
      last = c.t;
    }
    const all = term.chunks.map((c) => c.data).join('');
    return {
      bytesPerRefresh: median(bursts),
      refreshes: bursts.length,
      cpuPct,
      rssMiB,
      firstFrameMs: firstFrame,
      unshowable: unshowable(all, termName),
    };
  } finally {
    await stop(term);
  }
}

export async function topBenchmarks(
  root: string,
  env: NodeJS.ProcessEnv,
  socketPath: string,
  rows: Row[],
  results: Record<string, unknown>,
): Promise<void> {
  const aios: Program = { name: 'aios top', file: process.execPath, args: [join(root, 'bin', 'aios.js'), 'top'] };
  const blessed: Program = {
    name: 'blessed-contrib',
    file: process.execPath,
    args: [join(root, 'bench', '.build', 'blessed-top.js'), socketPath],
  };
  // A Debian console's locale is UTF-8; both programs read it (blessed to choose its glyphs).
  const runEnv = { ...env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
  const out: Record<string, { aios: Figures; blessed: Figures }> = {};
  for (const [i, termName] of TERMS.entries()) {
    // alternate which goes first, so drift in the machine's load falls on both
    const figures = new Map<Program, Figures>();
    for (const p of i % 2 === 0 ? [aios, blessed] : [blessed, aios]) figures.set(p, await measure(p, runEnv, termName));
    const aFigures = figures.get(aios) as Figures;
    const b = figures.get(blessed) as Figures;
    out[termName] = { aios: aFigures, blessed: b };
    const row = (name: string, av: number, bv: number, digits: number, goal: string): void => {
      rows.push({
        name: `aios top, TERM=${termName}: ${name}`,
        value: fmt(av, digits),
        baseline: `blessed-contrib: ${fmt(bv, digits)}`,
        ratio: bv > 0 ? `${fmt(av / bv, 2)}×` : '—',
        goal,
      });
    };
    row('bytes per refresh (median)', aFigures.bytesPerRefresh, b.bytesPerRefresh, 0, 'lower');
    row(`idle CPU over ${WINDOW_MS / 1000} s, one refresh a second (%)`, aFigures.cpuPct, b.cpuPct, 2, 'lower');
    row('RSS (MiB)', aFigures.rssMiB, b.rssMiB, 1, 'lower');
    row(
      `exec → first frame with figures (median of ${STARTS}, ms)`,
      median(aFigures.firstFrameMs),
      median(b.firstFrameMs),
      0,
      'lower',
    );
    const glyphs = (f: Figures): string =>
      f.unshowable.length === 0 ? '0' : `${f.unshowable.length} (${f.unshowable.join(' ')})`;
    rows.push({
      name: `aios top, TERM=${termName}: glyphs sent that the terminal cannot show${termName === 'linux' ? ' (console font: CP437)' : termName === 'vt100' ? ' (7-bit)' : ''}`,
      value: glyphs(aFigures),
      baseline: `blessed-contrib: ${glyphs(b)}`,
      ratio: '—',
      goal: '0',
    });
  }
  results['top'] = out;
}
