// `aios`: one entry for every verb. `aios shell` skips the CLI parser entirely so a
// login lands in the TUI as fast as Node can start.
import { resolvePaths, type AiosPaths } from '../config/paths.js';
import { clientPaths, verbOf } from '../config/client-paths.js';
import { homedir } from 'node:os';

function paths(): AiosPaths {
  return clientPaths({ env: process.env, uid: process.getuid?.() ?? 0, home: homedir() });
}

// The daemon resolves its own instance; only clients look for a system daemon's socket.
function daemonPaths(): AiosPaths {
  return resolvePaths({ env: process.env, uid: process.getuid?.() ?? 0, home: homedir() });
}

async function shell(): Promise<number> {
  const { runShell } = await import('../shell/run-shell.js');
  return runShell({ socketPath: paths().socketPath, stdin: process.stdin, stdout: process.stdout, env: process.env });
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'shell' && argv.length === 1) return shell();
  const { buildProgram } = await import('./program.js');
  return buildProgram({ paths: verbOf(argv) === 'daemon' ? daemonPaths : paths, shell }).run(argv);
}

/**
 * A reader that stopped reading (`aios goal … | head`) ends a command quietly, with the status a
 * command killed by SIGPIPE has, instead of a stack trace. Not for aiosd, whose output is its log.
 */
function endQuietlyOnClosedPipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(141);
  });
}

/** Run when this module is the process's entry (bin/aios.js, bin/aios-shell.js). */
export function runMain(argv: string[]): void {
  if (verbOf(argv) !== 'daemon') endQuietlyOnClosedPipe();
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`aios: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

/**
 * The login shell (bin/aios-shell.js). Without -c: the TUI. With `-c '<line>'` (what sshd runs
 * for `ssh node <command>`): the line runs only if it is exactly an `aios …` invocation
 * (login-command.ts), in this process, as the logged-in user; anything else is refused.
 */
export function runLoginShell(args: string[]): void {
  const at = args.indexOf('-c');
  if (at < 0) {
    runMain(['shell']);
    return;
  }
  const line = args[at + 1];
  void import('./login-command.js').then(({ loginCommand }) => {
    const r = line === undefined ? { refused: '-c needs a command' } : loginCommand(line);
    if ('argv' in r) {
      runMain(r.argv);
      return;
    }
    process.stderr.write(
      `aios-shell: this account logs in to aiOS; commands are not run through a shell, and this one was refused: ${r.refused}. Over ssh, run exactly one aios command, e.g. ssh node aios goal list --json.\n`,
    );
    process.exitCode = 1;
  });
}

/** Only for the kill -9 tests' own entry (test/helpers/failpoint-daemon.mjs); bin/aios.js never arms one. */
export { armFailpoint } from '../tools/failpoints.js';
