// Loads the layered configuration: defaults < system file < user file < AIOS_* environment.
// Each layer is checked on its own before merging, so an error names the file that holds it.
import { readFileSync } from 'node:fs';
import { parse, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { AiosConfig } from './config-schema.js';
import { ConfigError } from './config-error.js';
import { describeIssue } from './describe-issue.js';
import { envLayers } from './env-overrides.js';
import { mergeTables, type Table } from './merge-tables.js';
import { setAsideSeedKeys } from './seed-keys.js';
import { moveRenamedKeys } from './renamed-keys.js';

export { AiosConfig } from './config-schema.js';
export { ConfigError } from './config-error.js';

export interface LoadConfigInput {
  /** null skips the layer, as a missing file does. */
  systemFile: string | null;
  userFile: string | null;
  env: NodeJS.ProcessEnv;
}

export interface LoadedConfig {
  config: AiosConfig;
  /** The files read and the variables applied, lowest layer first. */
  sources: string[];
  /** Keys of the seed design's config that aiOS does not take, set aside (seed-keys.ts): for the log. */
  warnings: ConfigWarning[];
}

export interface ConfigWarning {
  file: string;
  key: string;
  /** What aiOS does instead. */
  instead: string;
  /** Set when the key is an old name of this one (renamed-keys.ts). */
  newKey?: string;
}

export function loadConfig({ systemFile, userFile, env }: LoadConfigInput): LoadedConfig {
  let merged: Table = {};
  const sources: string[] = [];
  const warnings: ConfigWarning[] = [];
  for (const file of [systemFile, userFile]) {
    if (file === null) continue;
    const read = readTomlFile(file);
    if (read === null) continue;
    const moved = moveRenamedKeys(file, read);
    const { table, setAside } = setAsideSeedKeys(moved.table, AiosConfig);
    warnings.push(...moved.renamed.map((w) => ({ file, ...w })), ...setAside.map((w) => ({ file, ...w })));
    check(table, (issue) => new ConfigError({ file, ...describeIssue(issue, AiosConfig) }));
    merged = mergeTables(merged, table);
    sources.push(file);
  }
  for (const layer of envLayers(env)) {
    check(
      layer.table,
      (issue) =>
        new ConfigError({
          file: null,
          variable: layer.variable,
          key: layer.key,
          problem: describeIssue(issue, AiosConfig).problem,
        }),
    );
    merged = mergeTables(merged, layer.table);
    sources.push(layer.variable);
  }
  // Layers that pass alone pass together: no setting depends on another.
  const config = check(merged, (issue) => new ConfigError({ file: null, ...describeIssue(issue, AiosConfig) }));
  return { config, sources, warnings };
}

function check(table: Table, toError: (issue: z.core.$ZodIssue) => ConfigError): AiosConfig {
  const result = AiosConfig.safeParse(table, { reportInput: true });
  if (result.success) return result.data;
  const [first] = result.error.issues;
  if (first === undefined) throw result.error;
  throw toError(first);
}

/** The parsed file, or null when it does not exist. */
function readTomlFile(file: string): Table | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new ConfigError({ file, key: null, problem: readProblem(code, err), cause: err });
  }
  try {
    return parse(text);
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    throw new ConfigError({
      file,
      key: null,
      problem: tomlProblem(err),
      line: err.line,
      column: err.column,
      cause: err,
    });
  }
}

function readProblem(code: string | undefined, err: unknown): string {
  switch (code) {
    case 'EACCES':
      return "cannot read: permission denied; check the file's owner and mode";
    case 'EISDIR':
      return 'is a directory, not a TOML file';
    default:
      return `cannot read: ${code ?? (err as Error).message}`;
  }
}

// smol-toml's message is "Invalid TOML document: <problem>\n\n<code excerpt>"; the location is
// reported separately, so keep only the problem.
function tomlProblem(err: TomlError): string {
  const [head = err.message] = err.message.split('\n\n');
  return head.replace(/^Invalid TOML document: /, '');
}
