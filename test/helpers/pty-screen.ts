// Runs a program under a real pseudo-terminal and reads its screen through a headless
// terminal emulator, as a person at the console would see it.
import * as pty from 'node-pty';
import xtermHeadless from '@xterm/headless';
import { styledRows } from './styled-screen.js';

const { Terminal } = xtermHeadless;

export interface PtyScreen {
  write: (keys: string) => void;
  /** The visible screen, one string per row, trailing spaces trimmed. */
  screen: () => string[];
  text: () => string;
  /** The visible screen with its styles (see styledRows), once what was written is drawn. */
  styled: () => Promise<string[]>;
  /** Waits until the program has written nothing for `quietMs` (at most `timeoutMs`). */
  settled: (quietMs?: number, timeoutMs?: number) => Promise<void>;
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<void>;
  /** Every byte the program wrote to the terminal so far. */
  bytesWritten: () => number;
  resize: (cols: number, rows: number) => void;
  exited: Promise<number>;
  kill: () => void;
  /** The program's process id: the leader of the pty's session. */
  pid: number;
  /** Sends a signal to the program alone, as the kernel or a person would. */
  signal: (sig: NodeJS.Signals) => void;
}

export function spawnInPty(
  file: string,
  args: string[],
  opts: { cols: number; rows: number; env: NodeJS.ProcessEnv; term: string },
): PtyScreen {
  const term = new Terminal({ cols: opts.cols, rows: opts.rows, allowProposedApi: true });
  const env = { ...opts.env, TERM: opts.term } as Record<string, string>;
  const proc = pty.spawn(file, args, { name: opts.term, cols: opts.cols, rows: opts.rows, env, cwd: process.cwd() });
  let bytes = 0;
  let pendingWrites = 0;
  proc.onData((d) => {
    bytes += Buffer.byteLength(d);
    pendingWrites++;
    term.write(d, () => {
      pendingWrites--;
    });
  });
  const exited = new Promise<number>((resolve) => proc.onExit(({ exitCode }) => resolve(exitCode)));
  const screen = (): string[] => {
    const buf = term.buffer.active;
    const rows: string[] = [];
    for (let y = 0; y < term.rows; y++) rows.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '');
    return rows;
  };
  const s: PtyScreen = {
    write: (keys) => proc.write(keys),
    screen,
    text: () => screen().join('\n'),
    styled: async () => {
      while (pendingWrites > 0) await new Promise((r) => setTimeout(r, 5));
      return styledRows(term);
    },
    settled: async (quietMs = 120, timeoutMs = 3000) => {
      const deadline = Date.now() + timeoutMs;
      let seen = -1;
      while (seen !== bytes && Date.now() < deadline) {
        seen = bytes;
        await new Promise((r) => setTimeout(r, quietMs));
      }
    },
    bytesWritten: () => bytes,
    resize: (cols, rows) => {
      proc.resize(cols, rows);
      term.resize(cols, rows);
    },
    exited,
    kill: () => {
      try {
        proc.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    },
    pid: proc.pid,
    signal: (sig) => {
      process.kill(proc.pid, sig);
    },
    waitFor: async (pattern, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (pendingWrites === 0 && pattern.test(s.text())) return;
        if (Date.now() > deadline) throw new Error(`screen never showed ${pattern}; it shows:\n${s.text()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
  return s;
}
