// The health check's login: the booted slot's aios-shell under a real pseudo-terminal, as root,
// read through a headless terminal emulator until the TUI's status bar names the user and role
// (which it shows only once aiosd accepted the session). It goes through neither login(1) nor
// PAM: it proves that this slot's TUI starts, reaches aiosd and draws, which is what an update
// can break.
import { join } from 'node:path';

const CONNECTED = /\((admin|operator|viewer)\) @ /;

/** Resolves with null once the TUI is up, or with what the screen showed instead. */
export async function loginProbe(o: {
  slotDir: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}): Promise<string | null> {
  const pty = await import('node-pty');
  const { default: xterm } = await import('@xterm/headless');
  const term = new xterm.Terminal({ cols: 100, rows: 30, allowProposedApi: true });
  const env = { ...o.env, TERM: 'xterm-256color' } as Record<string, string>;
  const proc = pty.spawn(process.execPath, [join(o.slotDir, 'bin', 'aios-shell.js')], {
    name: 'xterm-256color',
    cols: 100,
    rows: 30,
    env,
    cwd: '/',
  });
  const screen = (): string => {
    const buf = term.buffer.active;
    const rows: string[] = [];
    for (let y = 0; y < term.rows; y++) rows.push(buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '');
    return rows.filter((r) => r.trim() !== '').join(' | ');
  };
  let exited: number | null = null;
  try {
    return await new Promise<string | null>((resolve) => {
      const check = (): void => {
        if (CONNECTED.test(screen())) resolve(null);
      };
      proc.onData((d) => term.write(d, check));
      proc.onExit(({ exitCode }) => {
        exited = exitCode;
        resolve(`the TUI exited (code ${exitCode}) before it showed a session; its screen: ${screen().slice(0, 400)}`);
      });
      o.signal.addEventListener(
        'abort',
        () => resolve(`a login did not reach the TUI in time; its screen: ${screen().slice(0, 400) || '(empty)'}`),
        { once: true },
      );
    });
  } finally {
    if (exited === null)
      try {
        proc.kill('SIGKILL');
      } catch {
        /* gone */
      }
    term.dispose();
  }
}
