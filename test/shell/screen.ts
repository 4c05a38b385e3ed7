// A terminal for tests: a writable "TTY" whose bytes drive a headless xterm of fixed size, and a
// readable "TTY" to type into. What the test reads back is what a person would see.
import { PassThrough, Writable } from 'node:stream';
import xterm from '@xterm/headless';
import { styledRows } from '../helpers/styled-screen.js';

export class Screen {
  readonly term: xterm.Terminal;
  readonly stdout: NodeJS.WriteStream;
  readonly stdin: NodeJS.ReadStream;
  /** Every byte the program wrote, in order, once the terminal has it. */
  written = '';
  /** The same, at the moment the program called write. */
  sent = '';

  constructor(
    public columns = 80,
    public rows = 24,
  ) {
    this.term = new xterm.Terminal({ cols: columns, rows, allowProposedApi: true, convertEol: true });
    const out = new Writable({
      write: (chunk: Buffer | string, _enc, done) => {
        const text = chunk.toString();
        this.written += text;
        this.term.write(text, () => done());
      },
    });
    // What the program wrote, recorded as it calls write (the stream may queue it a while).
    const write = out.write.bind(out) as (chunk: string | Buffer, ...rest: never[]) => boolean;
    Object.assign(out, {
      isTTY: true,
      columns,
      rows,
      write: (chunk: string | Buffer, ...rest: never[]) => {
        this.sent += chunk.toString();
        return write(chunk, ...rest);
      },
    });
    this.stdout = out as unknown as NodeJS.WriteStream;
    const input = new PassThrough();
    Object.assign(input, {
      isTTY: true,
      isRaw: false,
      setRawMode: (on: boolean) => Object.assign(input, { isRaw: on }),
    });
    this.stdin = input as unknown as NodeJS.ReadStream;
  }

  /** The terminal window changes size, as SIGWINCH tells a program. */
  resize(columns: number, rows: number): void {
    this.term.resize(columns, rows);
    Object.assign(this, { columns, rows });
    Object.assign(this.stdout, { columns, rows });
    this.stdout.emit('resize');
  }

  type(text: string): void {
    (this.stdin as unknown as PassThrough).write(text);
  }

  /** The visible screen, rows joined by newlines, trailing blanks trimmed. */
  text(): string {
    const buf = this.term.buffer.active;
    const rows: string[] = [];
    for (let y = 0; y < this.rows; y++) rows.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '');
    return rows.join('\n').replace(/\n+$/, '');
  }

  /** The visible screen with its styles (see styledRows), for comparing two screens exactly. */
  async styled(): Promise<string[]> {
    await new Promise<void>((r) => this.term.write('', r)); // what was written is drawn
    return styledRows(this.term);
  }

  /** Waits until the screen shows `needle` (polling; the shell renders asynchronously). */
  async waitFor(needle: string | RegExp, timeoutMs = 5000): Promise<string> {
    const start = Date.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 20));
      const text = this.text();
      if (typeof needle === 'string' ? text.includes(needle) : needle.test(text)) return text;
      if (Date.now() - start > timeoutMs) throw new Error(`screen never showed ${String(needle)}; it shows:\n${text}`);
    }
  }
}
