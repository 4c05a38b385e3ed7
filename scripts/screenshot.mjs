// `npm run screenshot`: the README's picture of the TUI, taken from a real session. Starts the built
// aiosd in user mode in a fresh directory, runs the real TUI (bin/aios-shell.js) under a real
// pseudo-terminal at 80x24, types a goal, waits for its plan, and draws the terminal's screen with
// its colours as docs/tui.svg.
//   node scripts/screenshot.mjs [--out FILE] [--dir DIR]
// DIR (default /tmp/aios-screenshot; emptied first, so it must be new, empty or an earlier run's) holds the daemon's state and the home the goal
// writes into; its path shows in the plan, so a fixed one keeps reruns alike. The plan's id, the
// host name and the user differ from run to run and machine to machine.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import xtermHeadless from '@xterm/headless';
import pty from 'node-pty';
import { terminalSvg } from './terminal-svg.mjs';

export const GOAL = 'create a file notes.txt containing hello';
const COLS = 80;
const ROWS = 24;

const root = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({
  options: { out: { type: 'string', default: join(root, 'docs', 'tui.svg') }, dir: { type: 'string' } },
});
const dir = values.dir ?? '/tmp/aios-screenshot';
const home = join(dir, 'home');
// aiOS guards its configuration's folder as its own: keep it apart from the home the goal writes into.
const config = join(dir, 'etc', 'config.toml');
// The directory is emptied first: only one this script made (it leaves a marker) or none at all.
const MARKER = join(dir, '.aios-screenshot');
if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(MARKER)) {
  process.stderr.write(`${dir} holds files this script did not make: name an empty or new folder with --dir\n`);
  process.exit(2);
}
rmSync(dir, { recursive: true, force: true });
mkdirSync(home, { recursive: true });
writeFileSync(MARKER, '');
mkdirSync(join(dir, 'etc'));
// The monitor reads the real machine; on a busy one it would propose goals of its own mid-shot.
writeFileSync(
  config,
  '[monitor]\ncpu_pct = false\nmemory_pct = false\ndisk_pct = false\nload_per_core = false\n[recovery]\nspare_files = 0\n',
);
const env = {
  ...process.env,
  HOME: home,
  AIOS_MODE: 'user',
  AIOS_STATE_DIR: join(dir, 'state'),
  AIOS_CONFIG: config,
  TERM: 'xterm-256color',
};
// The picture is the same wherever it is taken: chalk (under Ink) turns colour off when CI is set,
// and NO_COLOR would too.
delete env['CI'];
delete env['NO_COLOR'];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let daemonLog = '';
const daemon = spawn(process.execPath, [join(root, 'bin', 'aios.js'), 'daemon'], {
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
});
daemon.stdout.on('data', (d) => (daemonLog += d));
daemon.stderr.on('data', (d) => (daemonLog += d));
const daemonExited = new Promise((r) => daemon.once('exit', r));

const term = new xtermHeadless.Terminal({ cols: COLS, rows: ROWS, allowProposedApi: true });
let shell;
let written = 0;
let pending = 0;
const screenText = () => {
  const buf = term.buffer.active;
  const rows = [];
  for (let y = 0; y < ROWS; y++) rows.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '');
  return rows.join('\n');
};
async function waitFor(pattern, what, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (pending > 0 || !pattern.test(screenText())) {
    if (Date.now() > deadline)
      throw new Error(`the TUI never showed ${what}; the screen:\n${screenText()}\naiosd:\n${daemonLog}`);
    await sleep(25);
  }
}
/** Until the TUI has written nothing for `quietMs`. */
async function settled(quietMs = 400) {
  for (let seen = -1; seen !== written || pending > 0;) {
    seen = written;
    await sleep(quietMs);
  }
}

/** Until aiosd answers on its socket, so the shell's first frame is a connected one. */
async function daemonListening(socketPath, timeoutMs = 20_000) {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(50)) {
    const ok = await new Promise((resolve) => {
      const s = connect(socketPath, () => (s.end(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
  }
  throw new Error(`aiosd did not start:\n${daemonLog}`);
}

try {
  await daemonListening(join(dir, 'state', 'aiosd.sock'));
  shell = pty.spawn(process.execPath, [join(root, 'bin', 'aios-shell.js')], {
    name: 'xterm-256color',
    cols: COLS,
    rows: ROWS,
    env,
    cwd: home,
  });
  shell.onData((d) => {
    written += d.length;
    pending++;
    term.write(d, () => pending--);
  });
  await waitFor(/aiosd ok/, 'a connected status bar');
  shell.write(GOAL);
  await waitFor(new RegExp(`goal> ${GOAL}`), 'the typed goal');
  shell.write('\r');
  await waitFor(/awaiting approval/, 'the plan awaiting approval');
  await sleep(1000); // the key guard's wait, so the plan's key hint is lit as a person sees it
  await settled();
  writeFileSync(values.out, terminalSvg(term, { title: `aiOS: the plan for "${GOAL}"` }));
  process.stdout.write(`wrote ${values.out}\n`);
} finally {
  shell?.kill();
  daemon.kill('SIGTERM');
  await daemonExited;
  rmSync(dir, { recursive: true, force: true, maxRetries: 10 });
}
