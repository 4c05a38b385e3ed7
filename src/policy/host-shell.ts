// The shell that runs shell.exec command lines, and so the grammar they are parsed in:
// bash where it is installed (parsed as bash), POSIX sh otherwise (parsed as POSIX).
import { existsSync } from 'node:fs';
import type { ShellVariant } from './shell-ast.js';

export interface HostShell {
  variant: ShellVariant;
  /** argv before the command text: no profile or rc file is read, so nothing runs unseen. */
  argv: string[];
}

let cached: HostShell | undefined;

export function hostShell(): HostShell {
  cached ??= existsSync('/bin/bash')
    ? { variant: 'bash', argv: ['/bin/bash', '--noprofile', '--norc', '-c'] }
    : { variant: 'posix', argv: ['/bin/sh', '-c'] };
  return cached;
}
