// The composition root of `aios shell`: draw the first frame at once, then connect and load
// Ink; read keys from the terminal and hand them to the controller; resolve with the exit code
// when the person leaves. It never runs anything locally and never falls through to a shell.
import { EventEmitter } from 'node:events';
import { linesToAnsi } from './terminal/ansi.js';
import type { Connect } from './commands/client-port.js';
import { createController } from './commands/controller.js';
import { echoFor } from './terminal/fast-echo.js';
import { firstFrameLines } from './terminal/first-frame.js';
import { FramePump } from './terminal/frame-pump.js';
import { FrameWriter } from './terminal/frame-writer.js';
import { HATCH_LEAVE } from './commands/hatch-session.js';
import { keepYoungGenerationSmall } from './terminal/heap-flags.js';
import { appendHistory, historyPath, loadHistory } from './state/history-file.js';
import type { InkMount, mountInk } from './components/ink-root.js';
import { decodeKeys, flushKeys, type KeyPress } from './terminal/key-decode.js';
import { DEFAULT_GUARD, type GuardTimes } from './commands/key-guard.js';
import { DEFAULT_KEYMAP, type Keymap } from './commands/keymap.js';
import { regions } from './rows/layout.js';
import { createRenderGate } from './terminal/render-gate.js';
import { initialState, reduce, type MainView, type ShellState } from './state/shell-state.js';
import { createStore } from './state/store.js';
import { detectCaps } from './terminal/terminal-caps.js';

export interface RunShellOptions {
  socketPath: string;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  /** The view to open on (`aios top` opens the monitor). */
  view?: MainView;
}

export interface ShellDeps {
  /** How to reach the daemon; defaults to AiosClient on `socketPath`. */
  connect?: Connect;
  keymap?: Keymap;
  backoffS?: (failures: number) => number;
  /** Told each time a key's echo went out ahead of its frame (the fast echo path), with its rows. */
  onEcho?: (rows: number) => void;
}

/** How long an unfinished escape sequence waits for the rest before it counts as Esc. */
const ESCAPE_WAIT_MS = 25;

/** Turns bracketed paste on (and off): a paste arrives marked, and is text however it begins. */
const PASTE_ON = '\u001b[?2004h';
const PASTE_OFF = '\u001b[?2004l';

/**
 * The key guard's timings: AIOS_GUARD_MS / AIOS_BURST_MS when set (they then stay), else the
 * defaults until aiosd says its [shell] guard_ms and burst_ms.
 */
export function guardTimes(env: NodeJS.ProcessEnv): GuardTimes & { fixed: boolean } {
  const read = (name: string): number | null => {
    const raw = env[name];
    if (raw === undefined || raw === '') return null;
    const n = Number(raw);
    return Number.isFinite(n) && n >= 0 ? n : null;
  };
  const guardMs = read('AIOS_GUARD_MS');
  const burstMs = read('AIOS_BURST_MS');
  return {
    guardMs: guardMs ?? DEFAULT_GUARD.guardMs,
    burstMs: burstMs ?? DEFAULT_GUARD.burstMs,
    fixed: guardMs !== null || burstMs !== null,
  };
}

/** Background frames' budget when the line's speed is unknown: half a 115200-baud line. */
export const DEFAULT_STREAM_BYTES_PER_S = 5760;

function connectTo(socketPath: string): Connect {
  return async () => {
    // Loaded after the first frame is on the screen: start-up draws before it dials.
    const { AiosClient } = await import('../protocol/client.js');
    return AiosClient.connect({ socketPath, clientName: 'aios-shell' });
  };
}

export async function runShell(opts: RunShellOptions): Promise<number> {
  return startShell(opts, {});
}

function streamBudget(env: NodeJS.ProcessEnv, lineBytesPerS: number | null): number | null {
  const explicit = Number(env['AIOS_MAX_BYTES_PER_S'] ?? '');
  if (Number.isFinite(explicit) && explicit > 0) return explicit;
  if (env['AIOS_MAX_BYTES_PER_S'] === '0') return null;
  return lineBytesPerS === null ? DEFAULT_STREAM_BYTES_PER_S : Math.max(256, Math.floor(lineBytesPerS / 2));
}

/** runShell with its dependencies open: another way to reach the daemon, another keymap. */
export async function startShell(opts: RunShellOptions, deps: ShellDeps): Promise<number> {
  keepYoungGenerationSmall();
  const { stdin, stdout } = opts;
  const caps = detectCaps(opts.env);
  const connect = deps.connect ?? connectTo(opts.socketPath);
  if (caps.dumb) {
    const { runLineMode } = await import('./line-mode/line-mode.js');
    // On a real terminal Ctrl-C is a SIGINT to the process: it cancels planning rather than ending the login shell.
    return runLineMode({
      connect,
      input: stdin,
      output: stdout,
      ...(stdin === process.stdin ? { interrupts: process } : {}),
    });
  }
  const keymap = deps.keymap ?? DEFAULT_KEYMAP;
  const size = (): { columns: number; rows: number } => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const start = initialState(size().columns, size().rows);
  const store = createStore(reduce, opts.view === undefined ? start : { ...start, view: opts.view, focus: opts.view });

  // The writer puts only changed cells on the terminal; the pump paces frames to the line.
  const writer = new FrameWriter((data) => stdout.write(data), {
    asciiOnly: caps.ascii,
    syncOutput: caps.syncOutput,
    scrollLines: caps.scrollLines,
    size,
  });
  const pump = new FramePump(writer, { maxFps: caps.maxFps, bytesPerS: streamBudget(opts.env, caps.lineBytesPerS) });
  const gate = createRenderGate(store, 1000 / caps.maxFps, undefined, () => pump.readyIn());
  // Until Ink has loaded, frames come from the row builders directly (input line, status bar).
  const early = (): string => {
    const state = store.getState();
    return linesToAnsi(
      firstFrameLines(state, caps),
      regions(state.size, { feed: 0, flash: false, help: false }).width,
      caps,
    );
  };
  writer.render(early());
  const stopEarly = store.subscribe(() => pump.push(early(), true));

  let finish: (code: number) => void = () => undefined;
  let refusal: string | null = null;
  const done = new Promise<number>((resolve) => {
    finish = resolve;
  });
  const historyFile = historyPath(opts.env);
  const controller = createController({
    store,
    connect,
    onLeave: (code) => finish(code),
    onRefused: (message) => {
      refusal = message;
    },
    keymap,
    term: opts.env['TERM'] ?? 'vt100',
    guard: guardTimes(opts.env),
    urgently: (fn) => gate.urgently(fn),
    remember: (text) => {
      if (historyFile !== null) appendHistory(historyFile, text).catch(() => undefined);
    },
    ...(deps.backoffS ? { backoffS: deps.backoffS } : {}),
  });

  let pending = '';
  let escTimer: ReturnType<typeof setTimeout> | null = null;
  // Once Ink draws the frames, keys that change only the input line are echoed without one.
  let ink: InkMount | null = null;
  const fastEcho = opts.env['AIOS_FAST_ECHO'] !== '0';
  const echo = (before: ShellState): boolean => {
    if (!fastEcho || ink === null) return false;
    const e = echoFor(before, store.getState(), caps);
    if (e === null || !pump.echo(e.expected, e.rows, e.below)) return false;
    deps.onEcho?.(e.rows.length);
    return true;
  };
  const press = (keys: KeyPress[]): void => {
    const before = store.getState();
    gate.urgently(
      () => {
        for (const k of keys) if (store.getState().exitCode === null) controller.press(k);
      },
      () => echo(before),
    );
  };
  const onData = (chunk: string | Buffer): void => {
    let text = chunk.toString();
    const state = store.getState();
    // Inside the escape hatch every byte is the shell's, up to Ctrl-] (which leaves the pane).
    if (state.focus === 'hatch' && state.hatch?.id != null && state.hatch.ended === null && pending === '') {
      const cut = text.indexOf(HATCH_LEAVE);
      controller.hatchInput(cut === -1 ? text : text.slice(0, cut));
      if (cut === -1) return;
      gate.urgently(() => store.dispatch({ type: 'focused', focus: 'input' }));
      text = text.slice(cut + 1);
      if (text === '') return;
    }
    if (escTimer !== null) clearTimeout(escTimer);
    escTimer = null;
    const { keys, rest } = decodeKeys(pending + text);
    pending = rest;
    press(keys);
    if (pending !== '') {
      escTimer = setTimeout(() => {
        escTimer = null;
        const held = pending;
        pending = '';
        press(flushKeys(held));
      }, ESCAPE_WAIT_MS);
    }
  };
  const onEnd = (): void => controller.leave(0);
  const frames = inkTarget(stdout, (frame) => pump.push(frame, gate.takeUrgent()));
  const onResize = (): void => {
    writer.invalidate();
    // Ink lays out the tree it has at the new width first: that frame may predate keys echoed
    // by the fast path, so it waits in the pump and the urgent frame of the new size replaces it.
    frames.emit('resize');
    gate.urgently(() => store.dispatch({ type: 'resized', ...size() }));
  };

  if (stdin.isTTY) stdin.setRawMode(true);
  stdout.write(PASTE_ON);
  stdin.setEncoding('utf8');
  stdin.on('data', onData);
  stdin.on('end', onEnd);
  stdin.resume();
  stdout.on('resize', onResize);
  controller.start();

  // After the first frame: the history file, and the serial line's speed when there is one.
  if (historyFile !== null) {
    loadHistory(historyFile).then(
      (h) => {
        if (h.length > 0) store.dispatch({ type: 'historyLoaded', history: h });
      },
      () => undefined,
    );
  }
  if (caps.lineBytesPerS === null && stdin.isTTY) {
    import('./terminal/line-speed.js')
      .then((m) => m.detectSerialBaud())
      .then(
        (baud) => {
          if (baud !== null) pump.setBytesPerS(streamBudget(opts.env, Math.floor(baud / 10)));
        },
        () => undefined,
      );
  }

  // Ink, React and the layout engine load while the daemon is being dialled.
  const loading = importInk().then(
    ({ mountInk }) => {
      stopEarly();
      if (store.getState().exitCode === null) ink = mountInk(gate, caps, keymap, frames, stdin);
    },
    (error: unknown) => {
      // Without Ink the early frames go on: the status bar and the input line still work.
      store.dispatch({
        type: 'flashed',
        flash: { level: 'error', text: `cannot load the full view: ${String(error)}` },
      });
    },
  );

  const code = await done;
  controller.stop();
  if (escTimer !== null) clearTimeout(escTimer);
  stdin.off('data', onData);
  stdin.off('end', onEnd);
  stdout.off('resize', onResize);
  if (stdin.isTTY) stdin.setRawMode(false);
  stdout.write(PASTE_OFF);
  stdin.pause();
  await loading;
  stopEarly();
  await (ink as InkMount | null)?.unmount();
  gate.dispose();
  pump.flush();
  writer.finish();
  if (refusal !== null) stdout.write(`aiOS refused this login: ${refusal}\n`);
  return code;
}

/**
 * Loads Ink with Node's fetch out of sight: the layout engine's loader fetches its own inlined
 * WebAssembly through fetch when there is one, which loads Node's whole HTTP client (megabytes
 * of memory for the rest of the session); without it, it decodes the same bytes directly.
 */
async function importInk(): Promise<{ mountInk: typeof mountInk }> {
  const held = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
  if (held?.configurable === true)
    Object.defineProperty(globalThis, 'fetch', { value: undefined, configurable: true, writable: true });
  try {
    return await import('./components/ink-root.js');
  } finally {
    if (held?.configurable === true) Object.defineProperty(globalThis, 'fetch', held);
  }
}

/** What Ink writes to: a stream-like object that passes each whole frame on. */
function inkTarget(stdout: NodeJS.WriteStream, onFrame: (frame: string) => void): NodeJS.WriteStream {
  const target = new EventEmitter();
  Object.defineProperties(target, {
    columns: { get: () => stdout.columns || 80 },
    rows: { get: () => stdout.rows || 24 },
    isTTY: { value: false },
    write: {
      value: (data: string): boolean => {
        if (data !== '') onFrame(data);
        return true;
      },
    },
  });
  return target as NodeJS.WriteStream;
}
