export interface ConfigErrorInit {
  /** The file that holds the bad setting; null when it came from an environment variable. */
  file: string | null;
  /** Dotted key such as `security.mode`; null for syntax errors and unreadable files. */
  key: string | null;
  problem: string;
  variable?: string;
  line?: number;
  column?: number;
  cause?: unknown;
}

/**
 * A setting aiOS cannot use. The message points at the place to edit, the way compilers do:
 * `file:line:col: problem`, `file: key: problem`, or `VARIABLE (key): problem`.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly file: string | null;
  readonly key: string | null;
  readonly problem: string;
  readonly variable: string | null;
  readonly line: number | null;
  readonly column: number | null;

  constructor(init: ConfigErrorInit) {
    super(formatMessage(init), init.cause === undefined ? undefined : { cause: init.cause });
    this.file = init.file;
    this.key = init.key;
    this.problem = init.problem;
    this.variable = init.variable ?? null;
    this.line = init.line ?? null;
    this.column = init.column ?? null;
  }
}

function formatMessage({ file, key, problem, variable, line, column }: ConfigErrorInit): string {
  let where: string;
  if (variable !== undefined) where = key === null ? variable : `${variable} (${key})`;
  else if (line !== undefined) where = `${file ?? '<config>'}:${line}:${column ?? 1}`;
  else where = [file ?? '<config>', key].filter((part) => part !== null).join(': ');
  return `${where}: ${problem}`;
}
