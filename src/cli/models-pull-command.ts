// `aios models pull <uri>`: aiosd fetches and checks the model; this only asks it, shows what it
// will do, asks for a yes, and draws the progress it reports. Without --yes it is a dry run
// (as `aios gc` is), unless a person at a terminal answers y.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { PullTier, type ModelPullProgress, type ModelPullResult } from '../protocol/model-pull.js';
import { sizeText, transferLine } from '../text/progress-bar.js';
import { sanitize } from '../text/sanitize.js';
import type { Io } from './commands.js';
import { connectDaemon, exitCodeFor } from './connect.js';

const one = (s: string): string => sanitize(s, { singleLine: true });

/** A path on this node becomes absolute (aiosd has another working directory); URIs pass as they are. */
export function pullTarget(uri: string, cwd = process.cwd()): string {
  if (/^(hf:|huggingface:|https?:\/\/)/.test(uri)) return uri;
  if (uri.startsWith('/') || uri.startsWith('.') || existsSync(resolve(cwd, uri))) return resolve(cwd, uri);
  return uri;
}

export interface PullOptions {
  tier: string;
  sha256?: string;
  yes: boolean;
}

async function askYes(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export function planWords(r: ModelPullResult): string {
  const lines = [
    `${r.dryRun ? 'would pull' : 'pulled'} ${one(r.fileName)} (${sizeText(r.sizeBytes)}) as the ${r.tier} model`,
    `  from   ${one(r.uri)}`,
    `  into   ${one(r.path)}`,
    `  memory about ${sizeText(r.memory.neededBytes)} loaded; the ${r.tier} model may take ${sizeText(r.memory.budgetBytes)} of this node's ${sizeText(r.memory.totalBytes)}`,
    `  disk   ${sizeText(r.freeDiskBytes)} free${r.resumedBytes > 0 ? `; ${sizeText(r.resumedBytes)} already there from an interrupted pull (resumed)` : ''}`,
  ];
  if (r.replaces !== null) lines.push(`  replaces [models.${r.tier}] ${one(r.replaces)} in ${one(r.config)}`);
  return lines.join('\n');
}

function doneWords(r: ModelPullResult): string {
  const against =
    r.checkedAgainst === 'given'
      ? 'matches the one you gave'
      : r.checkedAgainst === 'hub'
        ? "matches the hub's"
        : 'the source publishes none to compare with';
  const reload =
    r.reload === null
      ? ''
      : `\naiosd: ${one(r.reload.message)}${r.reload.problems.map((p) => `\n  problem: ${one(p)}`).join('')}`;
  return `${planWords(r)}\n  sha256 ${r.sha256 ?? '-'} (${against})\n  written to ${one(r.config)}${reload}${r.reload?.reloaded === true ? '\nSee it with: aios models' : ''}`;
}

/** Progress on stderr: a bar redrawn in place on a terminal, a line per phase otherwise. */
function progressPrinter(tty: boolean, write: (s: string) => void): (p: ModelPullProgress) => void {
  let phase = '';
  return (p) => {
    if (tty) {
      const what = p.phase === 'downloading' ? 'pulling  ' : p.phase === 'verifying' ? 'checking ' : `${p.phase} `;
      write(`\r\x1b[2K${what} ${transferLine(p)}`);
    } else if (p.phase !== phase) {
      write(`${p.phase} ${one(p.fileName)}${p.totalBytes > 0 ? ` (${sizeText(p.totalBytes)})` : ''}\n`);
    }
    phase = p.phase;
  };
}

export async function modelsPullCommand(
  socketPath: string,
  uri: string,
  opts: PullOptions,
  io: Io,
  ask: (q: string) => Promise<boolean> = askYes,
  terminal = { stdin: process.stdin.isTTY === true, stderr: process.stderr.isTTY === true },
): Promise<number> {
  const fail = (msg: string, code: number): number => {
    if (io.json) io.out(JSON.stringify({ error: msg }));
    else io.err(`aios: ${msg}`);
    return code;
  };
  const parsed = PullTier.safeParse(opts.tier);
  if (!parsed.success) return fail(`--tier must be operational or tactical; got ${JSON.stringify(opts.tier)}`, 2);
  const tier = parsed.data;
  const target = pullTarget(uri);
  const base = { uri: target, tier, ...(opts.sha256 === undefined ? {} : { sha256: opts.sha256 }) };
  try {
    const client = await connectDaemon(socketPath, 'aios-models-pull');
    try {
      if (!opts.yes) {
        const plan = await client.call('models/pull', { ...base, dryRun: true });
        if (io.json) {
          io.out(JSON.stringify(plan));
          return 0;
        }
        io.out(planWords(plan));
        if (!terminal.stdin) {
          io.err('aios: nothing was downloaded; run again with --yes to pull it');
          return 0;
        }
        if (!(await ask('Pull it? [y/N] '))) {
          io.err('aios: nothing was downloaded');
          return 0;
        }
      }
      const draw = progressPrinter(terminal.stderr && !io.json, (s) => process.stderr.write(s));
      const stop = client.onEvent((e) => {
        if (e.type === 'model.pull' && !io.json) draw(e);
      });
      let r: ModelPullResult;
      try {
        r = await client.call('models/pull', { ...base, replace: true });
      } finally {
        stop();
        if (terminal.stderr && !io.json) process.stderr.write('\r\x1b[2K');
      }
      io.out(io.json ? JSON.stringify(r) : doneWords(r));
      return 0;
    } finally {
      client.close();
    }
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err), exitCodeFor(err));
  }
}
