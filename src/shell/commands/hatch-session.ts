// The TUI's side of the escape hatch: asks the daemon to open a real shell (the daemon runs
// and records it; the TUI never does), feeds the shell's output to a headless terminal
// emulator, and shows the emulator's screen as plain cells — so whatever the shell prints,
// only characters reach our terminal. Keys typed in the pane go to the daemon as they are.
import type { DaemonEvent } from '../../protocol/events.js';
import { reportFailure, type CommandContext } from './command-context.js';

/** Ctrl-] leaves the hatch pane (as it leaves telnet); the shell keeps running until closed. */
export const HATCH_LEAVE = '\u001d';

interface Emulator {
  write(data: string, done: () => void): void;
  resize(cols: number, rows: number): void;
  screen(): { rows: string[]; cursor: { x: number; y: number } };
  dispose(): void;
}

async function createEmulator(cols: number, rows: number): Promise<Emulator> {
  // Loaded on first use: nothing of it is needed to start the shell.
  const mod = await import('@xterm/headless');
  const { Terminal } = (mod as unknown as { default?: typeof mod }).default ?? mod;
  const term = new Terminal({ cols, rows, allowProposedApi: true, scrollback: 0 });
  return {
    write: (data, done) => term.write(data, done),
    resize: (c, r) => term.resize(c, r),
    screen: () => {
      const buf = term.buffer.active;
      const out: string[] = [];
      for (let y = 0; y < term.rows; y++) out.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '');
      return { rows: out, cursor: { x: buf.cursorX, y: buf.cursorY } };
    },
    dispose: () => term.dispose(),
  };
}

export class HatchSession {
  private id: string | null = null;
  private emulator: Emulator | null = null;
  private pendingSnapshot = false;
  private size = { cols: 80, rows: 20 };

  constructor(
    private readonly ctx: CommandContext,
    private readonly term: string,
  ) {}

  get openId(): string | null {
    return this.id;
  }

  open(cols: number, rows: number): void {
    if (this.id !== null) return;
    const c = this.ctx.client();
    if (c === null) return;
    this.size = { cols: Math.max(2, cols), rows: Math.max(2, rows) };
    this.ctx.dispatch({ type: 'hatchOpening' });
    const term = /^[A-Za-z0-9._+-]{1,64}$/.test(this.term) ? this.term : 'vt100';
    Promise.all([
      c.call('hatch/open', { cols: this.size.cols, rows: this.size.rows, term }),
      createEmulator(this.size.cols, this.size.rows),
    ])
      .then(
        ([opened, emulator]) => {
          this.id = opened.hatchId;
          this.emulator = emulator;
          this.ctx.dispatch({ type: 'hatchOpened', id: opened.hatchId });
          this.ctx.flash(
            'info',
            `${opened.shell} opened by aiosd, recorded in ${opened.logDir}; Ctrl-] leaves the pane`,
          );
        },
        (error: unknown) => {
          this.ctx.dispatch({ type: 'hatchEnded', reason: 'not opened' });
          reportFailure(this.ctx, 'escape hatch refused', error);
        },
      )
      .catch(() => undefined);
  }

  onEvent(event: DaemonEvent): void {
    if (event.type === 'hatch.output' && event.hatchId === this.id) {
      this.emulator?.write(event.data, () => this.snapshotSoon());
    } else if (event.type === 'hatch.exited' && event.hatchId === this.id) {
      this.ended(`the shell exited${event.code === null ? '' : ` with status ${event.code}`}`);
    }
  }

  input(data: string): void {
    if (this.id === null || data === '') return;
    this.ctx
      .client()
      ?.call('hatch/input', { hatchId: this.id, data })
      .catch((error: unknown) => reportFailure(this.ctx, 'hatch input failed', error));
  }

  resize(cols: number, rows: number): void {
    const next = { cols: Math.max(2, cols), rows: Math.max(2, rows) };
    if (next.cols === this.size.cols && next.rows === this.size.rows) return;
    this.size = next;
    this.emulator?.resize(next.cols, next.rows);
    if (this.id !== null)
      this.ctx
        .client()
        ?.call('hatch/resize', { hatchId: this.id, ...next })
        .catch(() => undefined);
    this.snapshotSoon();
  }

  close(): void {
    if (this.id !== null)
      this.ctx
        .client()
        ?.call('hatch/close', { hatchId: this.id })
        .catch(() => undefined);
    this.ended('closed');
  }

  /** The daemon went away: the shell it ran is gone with it. */
  lost(): void {
    if (this.id !== null) this.ended('aiosd went away; the shell it ran has ended');
  }

  private ended(reason: string): void {
    this.id = null;
    this.emulator?.dispose();
    this.emulator = null;
    this.ctx.dispatch({ type: 'hatchEnded', reason });
  }

  private snapshotSoon(): void {
    if (this.pendingSnapshot) return;
    this.pendingSnapshot = true;
    setImmediate(() => {
      this.pendingSnapshot = false;
      const emulator = this.emulator;
      if (emulator === null) return;
      const { rows, cursor } = emulator.screen();
      this.ctx.dispatch({ type: 'hatchScreen', rows, cursor });
    });
  }
}
