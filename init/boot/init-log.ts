// aios-init's log: every line to a file, and to the console (stderr) until the logins own it.
import { appendFileSync } from 'node:fs';

export interface InitLog {
  line(text: string): void;
  /** Stop writing to the console: a login prompt or a TUI is on it now. */
  quietConsole(): void;
  unquietConsole(): void;
}

export function createInitLog(opts: { file: string; console: boolean; clock: () => number }): InitLog {
  let consoleOn = opts.console;
  let fileOk = true;
  return {
    line(text) {
      const stamped = `[${opts.clock().toFixed(3).padStart(9)}] aios-init: ${text}\n`;
      if (consoleOn) process.stderr.write(stamped);
      if (!fileOk) return;
      try {
        appendFileSync(opts.file, stamped, { mode: 0o600 });
      } catch {
        fileOk = false; // a read-only or full disk must not stop the boot
      }
    },
    quietConsole() {
      consoleOn = false;
    },
    unquietConsole() {
      consoleOn = opts.console;
    },
  };
}
