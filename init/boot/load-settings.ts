// The configuration as aios-init reads it. A broken config.toml must not stop a boot: aios-init
// falls back to the defaults and says why, and aiosd reports the same error in its own log.
import { AiosConfig, ConfigError, loadConfig } from '../../src/config/config.js';
import type { AiosPaths } from '../../src/config/paths.js';

export function loadSettings(
  paths: Pick<AiosPaths, 'systemConfigFile' | 'userConfigFile'>,
  env: NodeJS.ProcessEnv = process.env,
): { config: AiosConfig; problem: string | null } {
  try {
    return {
      config: loadConfig({ systemFile: paths.systemConfigFile, userFile: paths.userConfigFile, env }).config,
      problem: null,
    };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { config: AiosConfig.parse({}), problem: `bad configuration: ${err.message}` };
  }
}
