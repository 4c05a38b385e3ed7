// Where a client (the TUI, the CLI) finds aiosd. On a node whose daemon runs in system mode,
// an unprivileged login would otherwise resolve to its own user-mode instance and find nothing:
// so when nothing names an instance (AIOS_MODE, AIOS_SOCKET, AIOS_STATE_DIR unset) and the
// system socket exists, clients use it. The daemon itself never comes through here.
import { existsSync } from 'node:fs';
import { resolvePaths, type AiosPaths, type PathsInput } from './paths.js';

export const SYSTEM_SOCKET = '/run/aios/aiosd.sock';

const INSTANCE_VARIABLES = ['AIOS_MODE', 'AIOS_SOCKET', 'AIOS_STATE_DIR'] as const;

export function clientPaths(input: PathsInput, socketExists: (path: string) => boolean = existsSync): AiosPaths {
  const named = INSTANCE_VARIABLES.some((v) => (input.env[v] ?? '') !== '');
  if (input.uid !== 0 && !named && socketExists(SYSTEM_SOCKET)) {
    return resolvePaths({ ...input, env: { ...input.env, AIOS_MODE: 'system' } });
  }
  return resolvePaths(input);
}

/** The verb of an `aios` command line: the first word that is not a global option or its value. */
export function verbOf(argv: readonly string[]): string | undefined {
  const i = verbIndex(argv);
  return i < 0 ? undefined : argv[i];
}

/** Where verbOf's verb stands in argv, or -1. */
export function verbIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--socket' || a === '--state-dir' || a === '--config') i++;
    else if (!a.startsWith('-')) return i;
  }
  return -1;
}
