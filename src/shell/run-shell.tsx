// The composition root of `aios shell`: draw the first frame at once, then connect and load
// Ink; read keys from the terminal and hand them to the controller; resolve with the exit code
// when the person leaves. It never runs anything locally and never falls through to a shell.
import { EventEmitter } from 'node:events';
import { linesToAnsi } from './ansi.js';
import type { Connect } from './client-port.js';
import { createController } from './controller.js';
import { firstFrameLines } from './first-frame.js';
import { FramePump } from './frame-pump.js';
import { FrameWriter } from './frame-writer.js';
import type { InkMount } from './ink-root.js';
import { decodeKeys, flushKeys, type KeyPress } from './key-decode.js';
import { DEFAULT_KEYMAP, type Keymap } from './keymap.js';
import { regions } from './layout.js';
import { initialState, reduce } from './shell-state.js';
import { createStore } from './store.js';
import { detectCaps } from './terminal-caps.js';

export interface RunShellOptions {
  socketPath: string;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

export interface ShellDeps {
  /** How to reach the daemon; defaults to AiosClient on `socketPath`. */
  connect?: Connect;
  keymap?: Keymap;
  backoffS?: (failures: number) => number;
}

/** How long an unfinished escape sequence waits for the rest before it counts as Esc. */
const ESCAPE_WAIT_MS = 25;

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

/** runShell with its dependencies open: another way to reach the daemon, another keymap. */
export async function startShell(opts: RunShellOptions, deps: ShellDeps): Promise<number> {
  const { stdin, stdout } = opts;
  const caps = detectCaps(opts.env);
  const keymap = deps.keymap ?? DEFAULT_KEYMAP;
  const size = (): { columns: number; rows: number } => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const store = createStore(reduce, initialState(size().columns, size().rows));

  // The writer puts only changed cells on the terminal; the pump paces frames.
  const writer = new FrameWriter((data) => stdout.write(data));
  const pump = new FramePump(writer, caps.maxFps);
  // Until Ink has loaded, frames come from the row builders directly (input line, status bar).
  const early = (): string => {
    const state = store.getState();
    return linesToAnsi(firstFrameLines(state, caps), regions(state.size, { feed: 0, flash: false, help: false }).width, caps);
  };
  writer.render(early());
  const stopEarly = store.subscribe(() => pump.push(early()));

  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => {
    finish = resolve;
  });
  const controller = createController({
    store,
    connect: deps.connect ?? connectTo(opts.socketPath),
    onLeave: (code) => finish(code),
    keymap,
    ...(deps.backoffS ? { backoffS: deps.backoffS } : {}),
  });

  let pending = '';
  let escTimer: ReturnType<typeof setTimeout> | null = null;
  const press = (keys: KeyPress[]): void => {
    for (const k of keys) if (store.getState().exitCode === null) controller.press(k);
  };
  const onData = (chunk: string | Buffer): void => {
    if (escTimer !== null) clearTimeout(escTimer);
    escTimer = null;
    const { keys, rest } = decodeKeys(pending + chunk.toString());
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
  const onEnd = (): void => controller.run({ command: 'leave' });
  const frames = inkTarget(stdout, (frame) => pump.push(frame));
  const onResize = (): void => {
    writer.invalidate();
    store.dispatch({ type: 'resized', ...size() });
    frames.emit('resize');
  };

  if (stdin.isTTY) stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.on('data', onData);
  stdin.on('end', onEnd);
  stdin.resume();
  stdout.on('resize', onResize);
  controller.start();

  // Ink, React and the layout engine load while the daemon is being dialled.
  let ink: InkMount | null = null;
  const loading = import('./ink-root.js').then(({ mountInk }) => {
    stopEarly();
    if (store.getState().exitCode === null) ink = mountInk(store, caps, keymap, frames, stdin);
  }, (error: unknown) => {
    // Without Ink the early frames go on: the status bar and the input line still work.
    store.dispatch({ type: 'flashed', flash: { level: 'error', text: `cannot load the full view: ${String(error)}` } });
  });

  const code = await done;
  controller.stop();
  if (escTimer !== null) clearTimeout(escTimer);
  stdin.off('data', onData);
  stdin.off('end', onEnd);
  stdout.off('resize', onResize);
  if (stdin.isTTY) stdin.setRawMode(false);
  stdin.pause();
  await loading;
  stopEarly();
  await (ink as InkMount | null)?.unmount();
  pump.flush();
  writer.finish();
  return code;
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
