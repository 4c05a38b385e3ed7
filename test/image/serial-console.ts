// A VM's serial console read like a person reads it: the bytes go through a headless terminal
// emulator (80x24, what a serial login assumes), and the whole transcript is kept with the
// host time at which each piece arrived.
import { StringDecoder } from 'node:string_decoder';
import xtermHeadless from '@xterm/headless';

const { Terminal } = xtermHeadless;

export interface SerialConsole {
  feed(chunk: Buffer): void;
  /** The visible screen. */
  screen(): string;
  /** Everything written so far, escape sequences removed. */
  transcript(): string;
  /** Waits until the transcript, from `from` on, matches; resolves with the host time it arrived. */
  waitForOutput(
    pattern: RegExp,
    timeoutMs: number,
    from?: number,
  ): Promise<{ at: number; match: RegExpExecArray; end: number }>;
  waitForScreen(pattern: RegExp, timeoutMs: number): Promise<number>;
}

// CSI, OSC and two-byte escapes, then the carriage returns a serial line is full of.
// eslint-disable-next-line no-control-regex -- stripping control sequences is the point
const ESCAPES = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]|\r/g;

export function createSerialConsole(): SerialConsole {
  const term = new Terminal({ cols: 80, rows: 24, allowProposedApi: true });
  const decoder = new StringDecoder('utf8');
  let text = '';
  let pending = 0;
  const arrivals: Array<{ index: number; at: number }> = [];
  const arrivedAt = (index: number): number => {
    for (let i = arrivals.length - 1; i >= 0; i--) {
      const a = arrivals[i];
      if (a !== undefined && a.index <= index) return a.at;
    }
    return arrivals[0]?.at ?? Date.now();
  };
  const screen = (): string => {
    const buf = term.buffer.active;
    const rows: string[] = [];
    for (let y = 0; y < term.rows; y++) rows.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '');
    return rows.join('\n');
  };
  const poll = async <T>(check: () => T | null, timeoutMs: number, what: () => string): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = pending === 0 ? check() : null;
      if (r !== null) return r;
      if (Date.now() > deadline) throw new Error(what());
      await new Promise((res) => setTimeout(res, 50));
    }
  };
  return {
    feed(chunk) {
      // A character such as "→" can arrive split over two reads; decoding per chunk would turn
      // it into two replacement characters and hide the line from every pattern.
      const s = decoder.write(chunk);
      arrivals.push({ index: text.length, at: Date.now() });
      text += s.replace(ESCAPES, '');
      pending++;
      term.write(chunk, () => {
        pending--;
      });
    },
    screen,
    transcript: () => text,
    waitForOutput(pattern, timeoutMs, from = 0) {
      const re = new RegExp(pattern.source, pattern.flags.replace('g', ''));
      return poll(
        () => {
          const m = re.exec(text.slice(from));
          if (m === null) return null;
          const index = from + m.index;
          return { at: arrivedAt(index + m[0].length - 1), match: m, end: index + m[0].length };
        },
        timeoutMs,
        () => `the serial console never showed ${pattern}; its last lines:\n${text.split('\n').slice(-25).join('\n')}`,
      );
    },
    waitForScreen(pattern, timeoutMs) {
      return poll(
        () => (pattern.test(screen()) ? Date.now() : null),
        timeoutMs,
        () => `the screen never showed ${pattern}; it shows:\n${screen()}`,
      );
    },
  };
}
