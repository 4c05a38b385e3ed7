// `ssh node aios goal list --json`: sshd runs the login shell as `aios-shell -c '<command line>'`.
// The line runs only when it is exactly one `aios …` invocation, split into words by the
// shell parser policy uses; it then runs in this process as the logged-in user, never through a
// shell. Anything a shell would compute (operators, redirections, substitutions, variables,
// globs, ~) is refused, so `-c 'aios goal list; sh'` cannot become a shell.
import { verbOf } from '../config/client-paths.js';
import { parseShell } from '../policy/shell-parser.js';
import { staticText } from '../policy/shell-words.js';
import type { Script } from '../policy/shell-ast.js';
import { sanitize } from '../text/sanitize.js';

// What was typed goes back into an error message: no control characters.
const one = (s: string): string => sanitize(s, { singleLine: true });

/**
 * Verbs that would start an aiosd of the account's own, outside the node's policy and roles: with
 * it, a login with no shell could run tools as itself. Every other verb only asks aiosd, which
 * checks the caller's role.
 */
const NOT_OVER_SSH = new Set(['daemon', 'up']);

export type LoginCommand = { argv: string[] } | { refused: string };

export function loginCommand(line: string): LoginCommand {
  let script: Script;
  try {
    script = parseShell(line);
  } catch (err) {
    return { refused: `it does not parse as one command (${one(err instanceof Error ? err.message : String(err))})` };
  }
  const [statement, ...more] = script.statements;
  if (statement === undefined) return { refused: 'it is empty' };
  if (more.length > 0 || statement.background || statement.pipelines.length !== 1)
    return { refused: 'it is more than one command (;, &&, ||, & or a newline)' };
  const pipeline = statement.pipelines[0];
  const [command, ...piped] = pipeline?.commands ?? [];
  if (command === undefined || piped.length > 0 || pipeline?.negated === true) return { refused: 'it is a pipeline' };
  if (command.kind !== 'simple') return { refused: `it is a ${command.type}, not a command` };
  if (command.assigns.length > 0) return { refused: 'it sets variables' };
  if (command.redirects.length > 0) return { refused: 'it redirects input or output' };
  const argv: string[] = [];
  for (const word of command.words) {
    const text = staticText(word);
    if (text === null)
      return { refused: `${one(word.raw)} is computed by a shell (a variable, substitution, glob or ~)` };
    argv.push(text);
  }
  const [program, ...args] = argv;
  if (program !== 'aios') return { refused: `only aios runs here, not ${one(program ?? 'nothing')}` };
  const verb = verbOf(args);
  if (verb !== undefined && NOT_OVER_SSH.has(verb))
    return { refused: `aios ${one(verb)} would start an aiosd of this account's own` };
  return { argv: args };
}
