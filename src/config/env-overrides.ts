// AIOS_* variables that override one config key each, above every file.
export interface EnvOverride {
  variable: string;
  table: string;
  key: string;
}

export const ENV_OVERRIDES: readonly EnvOverride[] = [
  { variable: 'AIOS_SECURITY_MODE', table: 'security', key: 'mode' },
  { variable: 'AIOS_LOG_LEVEL', table: 'system', key: 'log_level' },
  { variable: 'AIOS_AUTONOMY_LEVEL', table: 'system', key: 'autonomy_level' },
];

export interface EnvLayer {
  variable: string;
  key: string;
  /** The override as a config fragment, to validate and merge like a file. */
  table: Record<string, Record<string, string>>;
}

/** The overrides that are set; an empty value counts as unset, as in `AIOS_LOG_LEVEL= aiosd`. */
export function envLayers(env: NodeJS.ProcessEnv): EnvLayer[] {
  const layers: EnvLayer[] = [];
  for (const { variable, table, key } of ENV_OVERRIDES) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    layers.push({ variable, key: `${table}.${key}`, table: { [table]: { [key]: value } } });
  }
  return layers;
}
