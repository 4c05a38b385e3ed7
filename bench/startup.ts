// exec → first frame: the time from spawning a program under a pseudo-terminal to the
// moment its ready marker is on the screen (bytes as they arrive, no emulator lag).
import * as pty from 'node-pty';

export function timeToMarker(
  file: string,
  args: string[],
  marker: RegExp | 'exit',
  env: NodeJS.ProcessEnv,
  timeoutMs = 10_000,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const p = pty.spawn(file, args, {
      name: 'xterm-256color',
      cols: 80,
      rows: 24,
      env: { ...env, TERM: 'xterm-256color' } as Record<string, string>,
    });
    let seen = '';
    let done = false;
    const finish = (ms: number | null, err?: Error): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        p.kill('SIGKILL');
      } catch {
        /* gone */
      }
      if (ms === null) reject(err ?? new Error('no marker'));
      else resolve(ms);
    };
    const timer = setTimeout(
      () =>
        finish(null, new Error(`no ${String(marker)} within ${timeoutMs} ms; saw ${JSON.stringify(seen.slice(-300))}`)),
      timeoutMs,
    );
    p.onData((d) => {
      seen += d;
      // eslint-disable-next-line no-control-regex -- strip escape sequences before matching
      if (marker !== 'exit' && marker.test(seen.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '')))
        finish(Number(process.hrtime.bigint() - start) / 1e6);
    });
    p.onExit(() => {
      if (marker === 'exit') finish(Number(process.hrtime.bigint() - start) / 1e6);
      else finish(null, new Error(`exited before ${String(marker)}; saw ${JSON.stringify(seen.slice(-300))}`));
    });
  });
}

/** Bare Node: exec to exit of `node -e 0`. */
export function timeNodeExit(env: NodeJS.ProcessEnv): Promise<number> {
  return timeToMarker(process.execPath, ['-e', '0'], 'exit', env);
}
